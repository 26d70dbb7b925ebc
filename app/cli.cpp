#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>

namespace jobmesh::app {

namespace {

constexpr int k_bad_usage_exit = 2;

// The command the line chose, as deep as it went (`jobmesh bench ws`).
const CLI::App* chosen_command(const CLI::App& root) {
  const CLI::App* app = &root;
  while (!app->get_subcommands().empty())
    app = app->get_subcommands().front();
  return app;
}

std::string command_path(const CLI::App* app) {
  std::string out;
  for (; app != nullptr; app = app->get_parent())
    out = app->get_name() + (out.empty() ? "" : " " + out);
  return out;
}

// CLI11 2.1 reads integers with strtoll in base 0: `--postings 010` generated 8 postings, and
// `--postings 08` was "not in range". An integer flag takes decimal digits only, a sign allowed
// and leading zeros meaning nothing, as a user writes them; anything else is refused, named.
std::string as_decimal(std::string& value) {
  std::size_t digits = value.starts_with('-') || value.starts_with('+') ? 1 : 0;
  if (digits == value.size() || value.find_first_not_of("0123456789", digits) != std::string::npos)
    return "'" + value + "' is not a whole number in decimal digits";
  auto sign = value.starts_with('-') ? std::string{"-"} : std::string{};
  auto first = value.find_first_not_of('0', digits);
  value = first == std::string::npos ? std::string{"0"} : sign + value.substr(first);
  return {};
}

// Puts as_decimal ahead of every integer flag's own checks, in every command.
void read_integers_as_decimal(CLI::App& app) {
  for (auto* option : app.get_options()) {
    auto type = option->get_type_name();
    if (type.starts_with("INT") || type.starts_with("UINT"))
      option->transform(CLI::Validator{as_decimal, ""});
  }
  for (auto* sub : app.get_subcommands({}))
    read_integers_as_decimal(*sub);
}

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
  read_integers_as_decimal(root);
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 names the offending flag in its message; the exit code is ours (API.md: 2). But it
    // checks required flags before it complains of words it does not know, which it has
    // collected by then: `match --bogus` said only that `--postings` is required.
    if (auto unknown = root.remaining(true); !unknown.empty()) {
      const auto* app = chosen_command(root);
      const auto& word = unknown.front();
      if (!word.empty() && word.front() == '-')
        std::cerr << command_path(app) << ": unknown flag " << word << '\n';
      else if (!app->get_subcommands({}).empty())
        std::cerr << command_path(app) << ": unknown command '" << word << "'\n";
      else
        std::cerr << command_path(app) << ": unexpected word '" << word << "'\n";
    }
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
