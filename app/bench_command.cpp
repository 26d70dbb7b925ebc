// `jobmesh bench <suite>`: speed measured side by side with a peer in the same run (BENCH.md).
// Suites are subcommands: match, match-query, jobs.
#include "app/bench_jobs.hpp"
#include "app/bench_match.hpp"
#include "app/bench_match_query.hpp"
#include "app/cli.hpp"

#include <CLI/CLI.hpp>

namespace jobmesh::app {

void add_bench_command(CLI::App& root, command_runner& chosen) {
  auto* cmd = root.add_subcommand("bench", "Speed suites, each against a peer in the same run (see bench/README.md)");
  cmd->require_subcommand(1);
  add_bench_match_suite(*cmd, chosen);
  add_bench_match_query_suite(*cmd, chosen);
  add_bench_jobs_suite(*cmd, chosen);
}

}  // namespace jobmesh::app
