// Placeholder until issue 3 lands this command.
#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace jobmesh::app {

void add_generate_command(CLI::App& root, command_runner& chosen) {
  auto* sub = root.add_subcommand("generate", "(not built yet)");
  sub->callback([&chosen] {
    chosen = [] {
      std::cerr << "jobmesh generate: not built yet\n";
      return 1;
    };
  });
}

}  // namespace jobmesh::app
