// `jobmesh serve`: the server, until SIGINT or SIGTERM.
#include "app/allocator.hpp"
#include "app/cli.hpp"
#include "app/node.hpp"
#include "app/settings_flags.hpp"

#include <boost/asio/ip/address.hpp>
#include <CLI/CLI.hpp>
#include <csignal>
#include <fmt/format.h>
#include <iostream>
#include <optional>
#include <spdlog/spdlog.h>

namespace jobmesh::app {

namespace {

constexpr int k_config_error_exit = 2;

struct serve_options {
  settings_flags settings;
  std::string listen;
  std::string db;
  std::string join;
  bool demo = false;
};

// "HOST:PORT" or "[V6]:PORT" -> overrides of server.host and server.port.
std::vector<std::pair<std::string, std::string>> listen_overrides(const std::string& listen) {
  if (listen.empty())
    return {};
  auto colon = listen.rfind(':');
  auto host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return {{"server.host", host}, {"server.port", listen.substr(colon + 1)}};
}

// Signals are blocked in every thread (they inherit the mask) and taken here, synchronously.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return host == "localhost" || (!ec && address.is_loopback());
}

// What makes these settings unsafe to serve with, if anything (API.md "Auth").
std::optional<std::string> exposure_problem(const config::settings& s) {
  if (s.auth.mode == "off" && !is_loopback(s.server.host))
    return fmt::format("refusing to listen on {} with auth.mode \"off\": anyone who reaches it would act as admin; "
                       "listen on a loopback address, or set auth.mode \"jwt\" and auth.secret",
                       s.server.host);
  if (s.auth.mode == "jwt" && s.auth.secret.size() < config::auth_settings::k_min_secret_length)
    return fmt::format("auth.mode \"jwt\" needs auth.secret (or JOBMESH_AUTH_SECRET) of at least {} characters",
                       config::auth_settings::k_min_secret_length);
  return std::nullopt;
}

int serve(const serve_options& o) {
  auto overrides = listen_overrides(o.listen);
  if (!o.db.empty())
    overrides.emplace_back("storage.db", o.db);
  auto settings = load_settings(o.settings, std::move(overrides));
  if (!settings)
    return k_config_error_exit;
  if (!o.join.empty()) {
    std::cerr << "jobmesh serve: --join: clustering is not part of this build yet; run one node\n";
    return k_config_error_exit;
  }
  if (auto problem = exposure_problem(*settings)) {
    std::cerr << "jobmesh serve: " << *problem << '\n';
    return k_config_error_exit;
  }
  setup_logging(settings->log.level);
  spdlog::info("jobmesh: memory allocator: {}", allocator_description());
  if (settings->auth.mode == "off")
    spdlog::warn("auth.mode is off: every request acts as user 'demo' with role admin (loopback only)");
  auto signals = block_stop_signals();
  node n{*settings};
  auto port = n.start(o.demo);
  // One write: the log shares this stream, and a line cut by a log line loses its URL to the
  // scripts and tests that read it.
  std::cout << fmt::format("jobmesh: serving on http://{}:{}/ (database {}); Ctrl-C stops\n", settings->server.host,
                           port, settings->storage.db)
            << std::flush;
  if (o.demo)
    n.load_demo();
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("jobmesh: {} received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  n.stop();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& root, command_runner& chosen) {
  auto opts = std::make_shared<serve_options>();
  auto* cmd = root.add_subcommand("serve", "Run the server (HTTP API, WebSocket, dashboard)");
  add_settings_flags(*cmd, opts->settings);
  cmd->add_option("--listen", opts->listen, "HOST:PORT to listen on (default 127.0.0.1:8080)")
      ->check([](const std::string& s) {
        return s.rfind(':') == std::string::npos ? std::string{"expected HOST:PORT"} : std::string{};
      });
  cmd->add_option("--db", opts->db, "Database URL: sqlite:PATH (default sqlite:var/jobmesh.db) or postgresql://...");
  cmd->add_option("--join", opts->join, "Seed nodes HOST:PORT,... to join (cluster)");
  cmd->add_flag("--demo", opts->demo,
                "Load a generated demo marketplace (demo.postings, demo.candidates) when the database holds no records");
  cmd->callback([opts, &chosen] { chosen = [opts] { return serve(*opts); }; });
}

}  // namespace jobmesh::app
