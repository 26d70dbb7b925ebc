#include "app/cli.hpp"

#ifdef JOBMESH_JEMALLOC
// jemalloc reads its options from this symbol at its first allocation (MALLOC_CONF in the
// environment still overrides them). thp:always puts its arenas on transparent huge pages,
// which a kernel set to transparent_hugepage=madvise gives only to memory that asks for them:
// the marketplace's millions of small records, and the engine's messages, then fault in 2 MiB
// at a time instead of 4 KiB (the README's performance model has the figures). metadata_thp:auto
// does the same for jemalloc's own bookkeeping once it has grown. background_thread:true
// returns freed memory to the kernel from a thread of jemalloc's own, on its decay schedule
// even when the server is idle, instead of in whichever thread happened to free or allocate:
// the storage writer and the I/O threads paid for those madvise calls, and for faulting the
// huge pages back in, in the middle of a commit or a reply.
extern "C" {
const char* malloc_conf = "thp:always,metadata_thp:auto,background_thread:true";
}
#endif

int main(int argc, char** argv) {
  return jobmesh::app::run_cli(argc, argv);
}
