#include "storage/database_lock.hpp"

#include "storage/database.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <stdexcept>
#include <sys/file.h>
#include <unistd.h>

namespace jobmesh::storage {

namespace {

// What the holder wrote into the lock file: its pid, or "an unknown process".
std::string holder_of(int fd) {
  char text[32] = {};
  auto n = ::pread(fd, text, sizeof text - 1, 0);
  std::string pid{text, n > 0 ? static_cast<std::size_t>(n) : 0};
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
    pid.pop_back();
  return pid.empty() ? std::string{"an unknown process"} : "process " + pid;
}

}  // namespace

std::unique_ptr<database_lock> database_lock::acquire(std::string_view url) {
  if (backend_of(url) != backend::sqlite)
    return std::unique_ptr<database_lock>{new database_lock{{}, -1}};
  std::filesystem::path file{std::string{url.substr(url.find(':') + 1)}};
  if (file.has_parent_path())
    std::filesystem::create_directories(file.parent_path());
  auto path = file.string() + ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(fmt::format("cannot open the lock file {}: {}", path, std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto why = errno;
    auto holder = why == EWOULDBLOCK ? holder_of(fd) : std::string{};
    ::close(fd);
    if (why == EWOULDBLOCK)
      throw std::runtime_error(fmt::format("database {} is in use by {} (lock {}); one process per SQLite database",
                                           file.string(), holder, path));
    throw std::runtime_error(fmt::format("cannot lock {}: {}", path, std::strerror(why)));
  }
  auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    auto why = errno;
    ::close(fd);
    throw std::runtime_error(fmt::format("cannot write the lock file {}: {}", path, std::strerror(why)));
  }
  return std::unique_ptr<database_lock>{new database_lock{std::move(path), fd}};
}

database_lock::~database_lock() {
  if (fd_ >= 0)
    ::close(fd_);  // closing drops the lock
}

}  // namespace jobmesh::storage
