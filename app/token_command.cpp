// `jobmesh token`: a signed token for a user and role, with the server's own config (so it
// signs with the server's auth.secret), for clients and tests (API.md "Auth").
#include "app/cli.hpp"
#include "app/settings_flags.hpp"
#include "net/auth.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

namespace jobmesh::app {

namespace {

struct token_options {
  settings_flags settings;
  std::string sub;
  std::string role = "user";
  std::int64_t ttl_s = 3600;
};

int token(const token_options& o) {
  auto settings = load_settings(o.settings, {});
  if (!settings)
    return 2;
  auto r = net::parse_role(o.role);
  if (!r) {
    std::cerr << "jobmesh token: --role must be user, admin or service, not '" << o.role << "'\n";
    return 2;
  }
  if (settings->auth.secret.empty()) {
    std::cerr << "jobmesh token: auth.secret is empty: set it in the config file or JOBMESH_AUTH_SECRET\n";
    return 2;
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  std::cout << net::issue_token(settings->auth.secret, o.sub, *r, now.count(), o.ttl_s) << '\n';
  return 0;
}

}  // namespace

void add_token_command(CLI::App& root, command_runner& chosen) {
  auto opts = std::make_shared<token_options>();
  auto* cmd = root.add_subcommand("token", "Print a signed token (HS256, auth.secret) for a user and role");
  add_settings_flags(*cmd, opts->settings);
  cmd->add_option("--sub", opts->sub, "The user the token names")->required()->check([](const std::string& s) {
    return s.empty() || s.size() > 128 ? std::string{"expected 1 to 128 characters"} : std::string{};
  });
  cmd->add_option("--role", opts->role, "user, admin or service (default user)");
  cmd->add_option("--ttl", opts->ttl_s, "Seconds the token is valid (default 3600)")->check(CLI::Range(1, 31'536'000));
  cmd->callback([opts, &chosen] { chosen = [opts] { return token(*opts); }; });
}

}  // namespace jobmesh::app
