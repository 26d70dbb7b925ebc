// `jobmesh migrate`: create or upgrade the schema of a database.
#include "app/cli.hpp"
#include "app/settings_flags.hpp"
#include "storage/database.hpp"
#include "storage/database_lock.hpp"
#include "storage/migrations.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <soci/soci.h>

namespace jobmesh::app {

namespace {

struct migrate_options {
  settings_flags settings;
  std::string db;
};

int migrate(const migrate_options& o) {
  std::vector<std::pair<std::string, std::string>> overrides;
  if (!o.db.empty())
    overrides.emplace_back("storage.db", o.db);
  auto settings = load_settings(o.settings, std::move(overrides));
  if (!settings)
    return 2;
  auto lock = storage::database_lock::acquire(settings->storage.db);
  auto db = storage::open(settings->storage.db);
  auto version = storage::migrate(*db, storage::to_string(storage::backend_of(settings->storage.db)));
  std::cout << "jobmesh migrate: " << settings->storage.db << " is at schema version " << version << '\n';
  return 0;
}

}  // namespace

void add_migrate_command(CLI::App& root, command_runner& chosen) {
  auto opts = std::make_shared<migrate_options>();
  auto* cmd = root.add_subcommand("migrate", "Create or upgrade the database schema");
  add_settings_flags(*cmd, opts->settings);
  cmd->add_option("--db", opts->db, "Database URL: sqlite:PATH or postgresql://...");
  cmd->callback([opts, &chosen] { chosen = [opts] { return migrate(*opts); }; });
}

}  // namespace jobmesh::app
