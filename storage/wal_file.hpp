#pragma once
/// An SQLite database's write-ahead log, synced from outside the connection that writes it.
///
/// At `synchronous = FULL` every commit syncs the WAL before it returns, so the connection that
/// writes (the storage writer) waits ~0.2-0.8 ms per transaction for the disk and cannot begin
/// the next one meanwhile. Given a wal_file, the writer commits at `synchronous = NORMAL` (a
/// commit writes its frames and returns; SQLite still syncs the WAL's header when the log
/// restarts and syncs both files around each checkpoint, so the database stays consistent) and
/// another thread calls sync(): every transaction whose commit returned before a sync() began
/// is on the disk when that sync() returns. Nothing is acknowledged before then, so what a
/// client was told is durable is exactly what it was at FULL; only another connection's
/// readers may see a transaction up to one sync before it is durable.

#include <string>

namespace soci {
class session;
}

namespace jobmesh::storage {

class wal_file {
public:
  /// Opens the WAL of `writer`'s database (an SQLite session in WAL mode whose log exists: any
  /// session that has committed once). Throws std::runtime_error saying why it cannot.
  explicit wal_file(soci::session& writer);
  ~wal_file();

  wal_file(const wal_file&) = delete;
  wal_file& operator=(const wal_file&) = delete;

  /// Flushes the log's written data to the disk (fdatasync); safe beside the writer's commits.
  /// Throws std::system_error when the disk reports a failure: what was written since the last
  /// sync may then be lost, so a caller must not acknowledge it (nor retry: on Linux a failed
  /// sync's dirty pages may be dropped and a second sync succeed without them).
  void sync();

  const std::string& path() const { return path_; }

private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace jobmesh::storage
