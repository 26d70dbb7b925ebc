#pragma once
// A folder of the running test's own under the system's temporary folder, named after the
// process and the test so parallel ctest runs never share one; emptied on creation, removed
// with the object.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace jobmesh::testing {

class scratch_dir {
public:
  explicit scratch_dir(const std::string& prefix)
      : path_(std::filesystem::temp_directory_path() /
              (prefix + "_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// A SQLite URL for `file` inside the folder.
  std::string sqlite_url(const std::string& file) const { return "sqlite:" + (path_ / file).string(); }

private:
  std::filesystem::path path_;
};

}  // namespace jobmesh::testing
