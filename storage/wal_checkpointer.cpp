#include "storage/wal_checkpointer.hpp"

#include "storage/database.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <stdexcept>

namespace jobmesh::storage {

namespace {

using namespace sqlite_api;

// SQLite's own threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT), restored when this class stops.
constexpr int k_sqlite_autocheckpoint_pages = 1000;

}  // namespace

bool wal_checkpointer::serves(soci::session& writer) {
  return sqlite_connection(writer) != nullptr;
}

wal_checkpointer::wal_checkpointer(soci::session& writer, options o) : writer_(sqlite_connection(writer)), options_(o) {
  const char* path = sqlite3_db_filename(writer_, "main");
  // Its own connection, used by its own thread only: no mutex needed on it.
  if (sqlite3_open_v2(path, &own_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string why = own_ ? sqlite3_errmsg(own_) : "out of memory";
    sqlite3_close(own_);
    throw std::runtime_error("checkpoints: cannot open " + std::string{path} + ": " + why);
  }
  // A connection learns that the file is in WAL mode when it first reads it; until then its
  // checkpoints do nothing (and succeed).
  if (sqlite3_exec(own_, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(own_);
    sqlite3_close(own_);
    throw std::runtime_error("checkpoints: cannot read " + std::string{path} + ": " + why);
  }
  thread_ = std::thread{[this] {
    ::pthread_setname_np(::pthread_self(), "jobmesh.ckpt");  // not its creator's name
    run();
  }};
  // Replaces SQLite's automatic checkpoint on the writer (sqlite3_wal_autocheckpoint is this hook).
  sqlite3_wal_hook(writer_, &wal_checkpointer::on_commit, this);
}

wal_checkpointer::~wal_checkpointer() {
  // On the writer's thread (the writer's state holds this): no commit is in on_commit now,
  // and none after this returns calls it.
  sqlite3_wal_autocheckpoint(writer_, k_sqlite_autocheckpoint_pages);
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close(own_);
}

std::uint64_t wal_checkpointer::checkpoints() const {
  std::lock_guard lock{mutex_};
  return done_;
}

// On the writer's thread, after each commit, holding its connection: only a flag is set, unless
// the thread fell so far behind that the writer must checkpoint (what SQLite's own hook does).
int wal_checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) {
  auto& me = *static_cast<wal_checkpointer*>(self);
  if (pages >= me.options_.writer_pages) {
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= me.options_.start_pages) {
    {
      std::lock_guard lock{me.mutex_};
      me.wanted_ = true;
    }
    me.wake_.notify_one();
  }
  return SQLITE_OK;
}

void wal_checkpointer::run() {
  std::unique_lock lock{mutex_};
  while (true) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_)
      return;
    wanted_ = false;
    lock.unlock();
    // Passive: copies what no reader still needs and never waits for a lock; what it leaves
    // is taken by the next one.
    int rc = sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      spdlog::warn("storage: checkpoint of the write-ahead log failed: {} (the writer checkpoints past {} pages)",
                   sqlite3_errmsg(own_), options_.writer_pages);
    lock.lock();
    ++done_;
  }
}

}  // namespace jobmesh::storage
