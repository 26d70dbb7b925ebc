// `jobmesh token`: a signed token for a user and role, with the server's own config (so it
// signs with the server's auth.secret), for clients and tests (API.md "Auth").
#include "app/cli.hpp"
#include "app/settings_flags.hpp"
#include "net/auth.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <optional>

namespace jobmesh::app {

namespace {

struct token_options {
  settings_flags settings;
  std::string sub;
  std::string role = "user";
  std::string ttl = "1h";
};

// "3600", "90s", "15m", "1h", "7d" -> seconds; nullopt for anything else (or not positive).
std::optional<std::int64_t> parse_duration(const std::string& text) {
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto unit = text.substr(used);
  std::int64_t scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86'400 : 0;
  if (scale == 0 || n <= 0 || n > 31'536'000 / scale)
    return std::nullopt;
  return n * scale;
}

int token(const token_options& o) {
  auto settings = load_settings(o.settings, {});
  if (!settings)
    return 2;
  auto r = net::parse_role(o.role);
  if (!r) {
    std::cerr << "jobmesh token: --role must be user, admin or service, not '" << o.role << "'\n";
    return 2;
  }
  auto ttl_s = parse_duration(o.ttl);
  if (!ttl_s) {
    std::cerr << "jobmesh token: --ttl must be a positive duration up to a year: 3600, 90s, 15m, 1h or 7d, not '"
              << o.ttl << "'\n";
    return 2;
  }
  if (settings->auth.secret.empty()) {
    std::cerr << "jobmesh token: auth.secret is empty: set it in the config file or JOBMESH_AUTH_SECRET\n";
    return 2;
  }
  // A server refuses to start with a shorter secret, so such a token could never be accepted.
  if (settings->auth.secret.size() < config::auth_settings::k_min_secret_length) {
    std::cerr << "jobmesh token: auth.secret must be at least " << config::auth_settings::k_min_secret_length
              << " characters (it has " << settings->auth.secret.size() << ")\n";
    return 2;
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  std::cout << net::issue_token(settings->auth.secret, o.sub, *r, now.count(), *ttl_s) << '\n';
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
  cmd->add_option("--ttl", opts->ttl, "How long the token is valid: 3600 (seconds), 90s, 15m, 1h, 7d (default 1h)");
  cmd->callback([opts, &chosen] { chosen = [opts] { return token(*opts); }; });
}

}  // namespace jobmesh::app
