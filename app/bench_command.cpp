// Placeholder until issue 3 lands this command.
#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace jobmesh::app {

void add_bench_command(CLI::App& root, command_runner& chosen) {
  auto* sub = root.add_subcommand("bench", "(not built yet)");
  sub->callback([&chosen] {
    chosen = [] {
      std::cerr << "jobmesh bench: not built yet\n";
      return 1;
    };
  });
}

}  // namespace jobmesh::app
