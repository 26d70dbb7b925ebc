#include "app/settings_flags.hpp"

#include "match/profile.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace jobmesh::app {

void add_settings_flags(CLI::App& cmd, settings_flags& flags) {
  cmd.add_option("--config", flags.config_file, "JSON config file (see config/jobmesh.example.json)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--set", flags.assignments, "Override one config key: section.key=value (repeatable)")
      ->check([](const std::string& s) {
        return s.find('=') == std::string::npos ? std::string{"expected section.key=value"} : std::string{};
      });
}

std::optional<config::settings> load_settings(const settings_flags& flags,
                                              std::vector<std::pair<std::string, std::string>> extra) {
  config::sources from;
  if (!flags.config_file.empty())
    from.file = flags.config_file;
  from.environment = config::current_environment();
  for (const auto& a : flags.assignments) {
    auto eq = a.find('=');
    from.overrides.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  for (auto& e : extra)
    from.overrides.push_back(std::move(e));
  auto loaded = config::load(from);
  if (loaded.ok()) {
    // The profiles' own rules (SPEC-matching.md: weights sum to 1, known factors): a bad one
    // stops every command at start, naming it, as a bad key does.
    match::profile_set profiles;
    for (const auto& e : profiles.add(loaded.values.matching.profiles))
      loaded.errors.push_back("matching.profiles: " + e);
  }
  if (loaded.ok())
    return std::move(loaded.values);
  for (const auto& e : loaded.errors)
    std::cerr << "jobmesh: config: " << e << '\n';
  return std::nullopt;
}

}  // namespace jobmesh::app
