#include "storage/database.hpp"

#include "storage/migrations.hpp"

#include <filesystem>
#include <mutex>
#include <fmt/format.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <soci/postgresql/soci-postgresql.h>
#include <stdexcept>

namespace jobmesh::storage {

namespace {

constexpr std::string_view k_sqlite_prefix = "sqlite:";

// By default SQLite counts every allocation it makes under one process-wide mutex, for
// sqlite3_memory_used(), which nothing here reads: a lock and unlock per allocation, ~14% of
// the storage writer's samples while it committed jobs. And by default ("serialized") every
// call on a connection (each bind, step, reset, column) takes the connection's mutex, though
// here a connection is only ever used by one thread at a time (database.hpp; the checkpointer
// opens its own): multi-thread mode drops those. Only possible before SQLite starts (in the
// process's first open); later it is refused and changes nothing.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // A statement that writes many rows inside a transaction (a multi-row insert of a group
    // commit) keeps the pages it changes in a statement journal, to undo itself alone; past
    // 64 KiB SQLite spills that journal to a temporary file (create, unlink, a write a page,
    // close). In memory always: it never outlives its statement.
    sqlite_api::sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
  });
}

std::unique_ptr<soci::session> open_sqlite(std::string_view url, const open_options& options) {
  std::filesystem::path path{url.substr(k_sqlite_prefix.size())};
  if (path.empty())
    throw std::invalid_argument(fmt::format("database URL '{}' names no file", url));
  if (path.has_parent_path())
    std::filesystem::create_directories(path.parent_path());
  configure_sqlite_once();
  auto db = std::make_unique<soci::session>(
      *soci::factory_sqlite3(), fmt::format("db=\"{}\" timeout={}", path.string(), options.busy_timeout_ms / 1000 + 1));
  // WAL lets readers run beside the writer; FULL syncs every commit, so a 202 means durable.
  *db << "PRAGMA journal_mode = WAL";
  *db << "PRAGMA synchronous = FULL";
  *db << "PRAGMA foreign_keys = ON";
  *db << fmt::format("PRAGMA busy_timeout = {}", options.busy_timeout_ms);
  if (options.cache_kib > 0)
    *db << fmt::format("PRAGMA cache_size = -{}", options.cache_kib);  // negative: KiB, not pages
  return db;
}

}  // namespace

sqlite_api::sqlite3* sqlite_connection(soci::session& db) {
  if (db.get_backend_name() != "sqlite3")
    return nullptr;
  return static_cast<soci::sqlite3_session_backend*>(db.get_backend())->conn_;
}

std::string_view to_string(backend b) {
  return b == backend::sqlite ? "sqlite" : "postgresql";
}

backend backend_of(std::string_view url) {
  if (url.starts_with(k_sqlite_prefix))
    return backend::sqlite;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return backend::postgresql;
  throw std::invalid_argument(fmt::format("database URL '{}' is neither sqlite:PATH nor postgresql://...", url));
}

std::unique_ptr<soci::session> open(std::string_view url, const open_options& options) {
  if (backend_of(url) == backend::sqlite)
    return open_sqlite(url, options);
  return std::make_unique<soci::session>(*soci::factory_postgresql(), std::string{url});
}

std::unique_ptr<soci::session> open_and_migrate(std::string_view url, const open_options& options) {
  auto db = open(url, options);
  migrate(*db, to_string(backend_of(url)));
  return db;
}

}  // namespace jobmesh::storage
