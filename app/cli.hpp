#pragma once
/// The `jobmesh` command line: one subcommand per file (`app/<name>_command.cpp`), each adding
/// itself to the CLI11 root here. A command parses its own flags; when the user picks it, its
/// adder stores in `chosen` what runs it, and `run_cli` calls that after parsing succeeded.

#include <functional>

namespace CLI {
class App;
}

namespace jobmesh::app {

/// Runs a chosen command; returns the process exit code.
using command_runner = std::function<int()>;

/// Each adder registers one subcommand on `root`; its callback sets `chosen`.
void add_serve_command(CLI::App& root, command_runner& chosen);
void add_migrate_command(CLI::App& root, command_runner& chosen);
void add_match_command(CLI::App& root, command_runner& chosen);
void add_generate_command(CLI::App& root, command_runner& chosen);
void add_simulate_command(CLI::App& root, command_runner& chosen);
void add_bench_command(CLI::App& root, command_runner& chosen);
void add_token_command(CLI::App& root, command_runner& chosen);

/// Parses `argv` and runs the chosen command. Exit codes: the command's own, 0 for --help,
/// 2 for a bad flag (the message names it), 1 for a failure the command reports.
int run_cli(int argc, char** argv);

}  // namespace jobmesh::app
