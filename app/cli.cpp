#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

namespace jobmesh::app {

namespace {

constexpr int k_bad_usage_exit = 2;

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App root{"jobmesh: an actor-model engine for matching marketplaces", "jobmesh"};
  root.require_subcommand(1);
  root.set_help_all_flag("--help-all", "Show help for every command");
  command_runner chosen;
  add_serve_command(root, chosen);
  add_migrate_command(root, chosen);
  add_match_command(root, chosen);
  add_generate_command(root, chosen);
  add_simulate_command(root, chosen);
  add_bench_command(root, chosen);
  add_token_command(root, chosen);
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 names the offending flag in its message; the exit code is ours (API.md: 2).
    root.exit(e);
    return k_bad_usage_exit;
  }
  try {
    return chosen ? chosen() : k_bad_usage_exit;
  } catch (const std::exception& e) {
    std::cerr << "jobmesh: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace jobmesh::app
