#pragma once
/// Opening a database from its URL. A `soci::session` is not thread-safe: each storage actor
/// opens its own and is the only one to touch it.

#include <memory>
#include <string>
#include <string_view>

namespace soci {
class session;
}
namespace sqlite_api {  // as soci/sqlite3/soci-sqlite3.h declares SQLite's interface
struct sqlite3;
}

namespace jobmesh::storage {

/// Which SQL dialect a URL speaks.
enum class backend { sqlite, postgresql };

/// "sqlite" or "postgresql": the folder name of its migrations.
std::string_view to_string(backend b);

/// The backend of `url` (`sqlite:PATH` or `postgresql://...`); throws std::invalid_argument
/// naming the URL for anything else.
backend backend_of(std::string_view url);

/// The SQLite connection under `db`, or null when `db` is not SQLite: for what SOCI does not
/// offer (WAL checkpoints, rows read without SOCI's copies).
sqlite_api::sqlite3* sqlite_connection(soci::session& db);

/// Options that matter when opening.
struct open_options {
  int busy_timeout_ms = 5000;
  /// SQLite's page cache for this connection, in KiB; 0 keeps SQLite's default (2 MiB). The
  /// writer's connection gets more (k_writer_cache_kib): an upsert of a record touches a page
  /// of each index at a random place, which past 2 MiB it reads back from the file.
  int cache_kib = 0;
};

/// The page cache of the connection every write goes through: 64 MiB should hold the id and
/// company indexes of about a million postings (estimated at ~20-30 B an entry, not measured). Ingest over HTTP, 200k postings in 10,000-line
/// requests: 18.9-22.1k -> 22.7-25.2k postings/s.
constexpr int k_writer_cache_kib = 64 * 1024;

/// Opens `url`. For SQLite: creates the file's folder, turns on WAL, full fsync per commit and
/// foreign keys. Throws soci::soci_error or std::invalid_argument with the URL in the message.
std::unique_ptr<soci::session> open(std::string_view url, const open_options& options = {});

/// Opens `url` and brings its schema up to date; returns the session.
std::unique_ptr<soci::session> open_and_migrate(std::string_view url, const open_options& options = {});

}  // namespace jobmesh::storage
