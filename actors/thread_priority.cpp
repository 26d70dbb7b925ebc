#include "actors/thread_priority.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/resource.h>
#include <unistd.h>

namespace jobmesh::actors {

namespace {

// The process's nice value, read on the main thread before main() runs (on Linux a thread's
// nice value is its own, and a thread inherits its creator's).
const int k_process_nice = [] {
  errno = 0;
  int nice = ::getpriority(PRIO_PROCESS, 0);
  return errno == 0 ? nice : 0;
}();

}  // namespace

bool run_ahead(int lead) {
  auto tid = static_cast<id_t>(::gettid());
  return ::setpriority(PRIO_PROCESS, tid, std::max(-20, k_process_nice - lead)) == 0;
}

}  // namespace jobmesh::actors
