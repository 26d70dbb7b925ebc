// run_ahead (actors/thread_priority.hpp): the calling thread's nice value goes `lead` below the
// process's where the system allows it (root, CAP_SYS_NICE, RLIMIT_NICE) and stays where it is
// when not; threads it starts inherit it; no other thread moves.
#include "actors/thread_priority.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

namespace {

int nice_of_this_thread() {
  errno = 0;
  int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  EXPECT_EQ(errno, 0);
  return nice;
}

}  // namespace

TEST(thread_priority, run_ahead_lowers_the_calling_threads_nice_value_or_leaves_it) {
  int process = nice_of_this_thread();  // the test's main thread: the process's
  bool ran = false;
  int mine = 0, started_after = 0;
  std::thread t{[&] {
    ran = jobmesh::actors::run_ahead(3);
    mine = nice_of_this_thread();
    std::thread{[&] { started_after = nice_of_this_thread(); }}.join();
  }};
  t.join();
  if (ran)
    EXPECT_EQ(mine, std::max(-20, process - 3));
  else
    EXPECT_EQ(mine, process);
  EXPECT_EQ(started_after, mine);
  EXPECT_EQ(nice_of_this_thread(), process);
}
