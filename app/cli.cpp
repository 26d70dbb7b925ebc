#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

namespace jobmesh::app {

namespace {

constexpr int k_bad_usage_exit = 2;

const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent())  // a parent's flags (--help-all) count too
    if (const auto* opt = app->get_option_no_throw(name))
      return opt;
  return nullptr;
}

// The first word of the command line that the commands it names do not know: a flag none of
// them has, or a command that does not exist; with the command it was given to. CLI11 checks
// required flags before it looks for unknown ones, so `match --bogus` said only that
// `--postings` is required, never naming `--bogus`.
std::optional<std::pair<std::string, const CLI::App*>> unknown_word(const CLI::App& root, int argc, char** argv) {
  const CLI::App* app = &root;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--")
      break;
    if (word.size() > 1 && word.front() == '-') {
      auto name = word.substr(0, word.find('='));
      const auto* opt = find_option(app, name);
      if (opt == nullptr)
        return std::pair{name, app};
      if (opt->get_type_size_max() > 0 && name.size() == word.size())
        ++i;  // its value is the next word (which may begin with '-': a negative number)
      continue;
    }
    auto subs = app->get_subcommands([&](const CLI::App* sub) { return sub->check_name(word); });
    if (subs.empty())
      return std::pair{word, app};
    app = subs.front();
  }
  return std::nullopt;
}

std::string command_path(const CLI::App* app) {
  std::string out;
  for (; app != nullptr; app = app->get_parent())
    out = app->get_name() + (out.empty() ? "" : " " + out);
  return out;
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
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 names the offending flag in its message, unless another problem came first; the
    // exit code is ours (API.md: 2).
    if (auto unknown = unknown_word(root, argc, argv)) {
      const auto& [word, app] = *unknown;
      if (word.front() == '-')
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
