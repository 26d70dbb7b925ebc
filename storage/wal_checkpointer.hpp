#pragma once
/// Checkpoints of an SQLite database's write-ahead log, on a thread of their own.
///
/// SQLite checkpoints in the commit that takes the WAL past 1,000 pages: that commit copies the
/// WAL's pages into the database file and syncs it, on the connection that writes. Every write
/// of jobmesh goes through one connection (the storage writer), so that cost was on the path of
/// every acknowledgement: ~3 us of a posting's ~10 us upsert, and a second fsync per large
/// commit. A wal_checkpointer takes it over: after each commit SQLite tells it the WAL's size,
/// and past `start_pages` its thread runs a passive checkpoint on a connection of its own, beside
/// the writer (a passive checkpoint never blocks writers or readers). Should it fall behind, the
/// writer's commit that takes the WAL past `writer_pages` checkpoints itself, as SQLite would.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace sqlite_api {  // where SOCI's headers put sqlite3.h
struct sqlite3;
}

namespace soci {
class session;
}

namespace jobmesh::storage {

class wal_checkpointer {
public:
  struct options {
    int start_pages = 1000;    ///< WAL pages after a commit that wake the thread (SQLite's own threshold)
    int writer_pages = 16000;  ///< WAL pages after a commit that make the writer checkpoint itself
  };

  /// Takes over the checkpoints of `writer`'s database. `writer` must be an SQLite session that
  /// outlives this object; its commits may run on any one thread. Throws std::runtime_error
  /// when the database cannot be opened a second time.
  wal_checkpointer(soci::session& writer, options o);
  explicit wal_checkpointer(soci::session& writer) : wal_checkpointer(writer, options{}) {}
  ~wal_checkpointer();  ///< stops the thread (after a checkpoint in progress); the writer checkpoints by itself again

  wal_checkpointer(const wal_checkpointer&) = delete;
  wal_checkpointer& operator=(const wal_checkpointer&) = delete;

  /// Whether `writer` is a session this class can serve (SQLite).
  static bool serves(soci::session& writer);

  /// Checkpoints the thread has run so far (any thread may ask).
  std::uint64_t checkpoints() const;

private:
  static int on_commit(void* self, sqlite_api::sqlite3* db, const char* schema, int pages);
  void run();

  sqlite_api::sqlite3* writer_ = nullptr;
  sqlite_api::sqlite3* own_ = nullptr;
  options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stopping_ = false;
  std::uint64_t done_ = 0;
  std::thread thread_;
};

}  // namespace jobmesh::storage
