// `jobmesh bench <suite>`: a thin command over the suites of the bench library (bench/).
#include "app/cli.hpp"
#include "bench/suites.hpp"

#include <CLI/CLI.hpp>

namespace jobmesh::app {

void add_bench_command(CLI::App& root, command_runner& chosen) {
  auto* cmd = root.add_subcommand("bench", "Speed suites, each against a peer in the same run (see bench/README.md)");
  cmd->require_subcommand(1);
  bench::add_suites(*cmd, chosen);
}

}  // namespace jobmesh::app
