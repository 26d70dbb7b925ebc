#include "storage/migrations.hpp"

#include "storage/clock.hpp"

#include <chrono>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

namespace jobmesh::storage {

namespace {

constexpr std::string_view k_create_migrations_table =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
constexpr std::string_view k_current_version = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr std::string_view k_record_migration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:version, :name, :at)";

// SQLite prepares one statement at a time, so a migration file runs statement by statement.
// Migration files end each statement with ';' at the end of a line.
std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> out;
  std::string current;
  std::size_t pos = 0;
  while (pos < sql.size()) {
    auto eol = sql.find('\n', pos);
    auto line = sql.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? sql.size() : eol + 1;
    if (line.starts_with("--"))
      continue;
    current.append(line).push_back('\n');
    if (line.ends_with(';')) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (current.find_first_not_of(" \n\t") != std::string::npos)
    out.push_back(std::move(current));
  return out;
}

}  // namespace

int migrate(soci::session& db, std::string_view backend, int up_to) {
  db << k_create_migrations_table;
  long long current = 0;
  db << k_current_version, soci::into(current);
  // An upgrade names each migration as it runs, with its time: one that rebuilds or indexes a
  // table takes a while on a large database, and the server answers only after it.
  const bool upgrading = current > 0;
  for (const auto& m : embedded_migrations()) {
    if (m.backend != backend || m.version <= current || m.version > up_to)
      continue;
    auto started = std::chrono::steady_clock::now();
    if (upgrading)
      spdlog::info("storage: migrating the database from version {} to {} ({})", current, m.version, m.name);
    soci::transaction tx{db};
    for (const auto& statement : split_statements(m.sql))
      db << statement;
    long long version = m.version;
    std::string name{m.name};
    long long at = now_ms();
    db << k_record_migration, soci::use(version, "version"), soci::use(name, "name"), soci::use(at, "at");
    tx.commit();
    current = m.version;
    if (upgrading)
      spdlog::info("storage: version {} in {:.2f} s", current,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return static_cast<int>(current);
}

}  // namespace jobmesh::storage
