#pragma once
/// The flags every command that reads configuration shares: `--config FILE` and repeatable
/// `--set section.key=value`, turned into `config::sources` with the environment.

#include "config/settings.hpp"

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace jobmesh::app {

struct settings_flags {
  std::string config_file;
  std::vector<std::string> assignments;  ///< "section.key=value"
};

/// Adds `--config` and `--set` to `cmd`, storing into `flags`.
void add_settings_flags(CLI::App& cmd, settings_flags& flags);

/// Loads settings from `flags`, the environment and `extra` overrides (later ones win); on
/// failure prints every problem to stderr and returns nothing.
std::optional<config::settings> load_settings(const settings_flags& flags,
                                              std::vector<std::pair<std::string, std::string>> extra = {});

}  // namespace jobmesh::app
