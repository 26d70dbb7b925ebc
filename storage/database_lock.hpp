#pragma once
/// One process per SQLite database: an exclusive lock (flock) on a file beside the database,
/// `PATH.lock`, holding the owner's pid. A second process that tries gets an error naming that
/// pid, before it has opened (let alone recovered or migrated) anything. The kernel drops the
/// lock when its holder exits, however it exits, so a `kill -9` never leaves it stale.

#include <memory>
#include <string>
#include <string_view>

namespace jobmesh::storage {

class database_lock {
public:
  /// Takes the lock of `url`'s SQLite file; a lock of nothing for other backends (PostgreSQL is
  /// shared by design). Throws std::runtime_error naming the file and the holder's pid when
  /// another process holds it, or why the lock file cannot be made.
  static std::unique_ptr<database_lock> acquire(std::string_view url);

  ~database_lock();
  database_lock(const database_lock&) = delete;
  database_lock& operator=(const database_lock&) = delete;

  /// The lock file; empty for a backend without one.
  const std::string& path() const { return path_; }

private:
  database_lock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;
  int fd_ = -1;
};

}  // namespace jobmesh::storage
