#include "match/detail/mapped_file.hpp"
#include "tests/scratch_dir.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

using jobmesh::match::detail::k_cut_short_exit;
using jobmesh::match::detail::mapped_file;

namespace {

constexpr std::size_t k_bytes = 64 * 4096;

struct mapped_file_test : ::testing::Test {
  void SetUp() override {
    std::ofstream out{path()};
    out << std::string(k_bytes, 'x');
  }
  std::string path() const { return (dir_.path() / "input.ndjson").string(); }

  jobmesh::testing::scratch_dir dir_{"jobmesh_mapped"};
};

// Reads the last page after the file lost its second half.
int read_after_cut(const std::string& path) {
  auto mapped = mapped_file::open(path);
  if (!mapped)
    return -1;
  std::filesystem::resize_file(path, k_bytes / 2);
  const volatile char* last = mapped->text().data() + k_bytes - 1;  // read, though the result goes unused
  return *last;
}

TEST_F(mapped_file_test, maps_a_regular_file_and_nothing_else) {
  auto mapped = mapped_file::open(path());
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->text(), std::string(k_bytes, 'x'));
  EXPECT_FALSE(mapped_file::open((dir_.path() / "missing").string()));
  EXPECT_FALSE(mapped_file::open(dir_.path().string()));
}

TEST_F(mapped_file_test, a_file_cut_short_while_mapped_ends_the_process_naming_it) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(read_after_cut(path()), ::testing::ExitedWithCode(k_cut_short_exit),
              "input.ndjson was cut short by another process while it was being read");
}

TEST_F(mapped_file_test, a_fault_outside_every_mapping_is_still_a_bus_error) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto mapped = mapped_file::open(path());  // the handler is installed, this mapping guarded
  ASSERT_TRUE(mapped);
  // Killed by SIGBUS, or (under a sanitizer, whose handler was there before) ended by it;
  // never with this file's message and exit code.
  auto not_ours = [](int status) {
    return WIFSIGNALED(status) ? WTERMSIG(status) == SIGBUS
                               : WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != k_cut_short_exit;
  };
  EXPECT_EXIT(std::raise(SIGBUS), not_ours, "");
}

}  // namespace
