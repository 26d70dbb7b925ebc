#include "app/cli.hpp"

#ifdef JOBMESH_JEMALLOC
// jemalloc reads its options from this symbol at its first allocation (MALLOC_CONF in the
// environment still overrides them). thp:always puts its arenas on transparent huge pages,
// which a kernel set to transparent_hugepage=madvise gives only to memory that asks for them:
// the marketplace's millions of small records, and the engine's messages, then fault in 2 MiB
// at a time instead of 4 KiB (the README's performance model has the figures). metadata_thp:auto
// does the same for jemalloc's own bookkeeping once it has grown.
extern "C" {
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
#endif

int main(int argc, char** argv) {
  return jobmesh::app::run_cli(argc, argv);
}
