// `jobmesh serve`: the server, until SIGINT or SIGTERM.
#include "app/cli.hpp"
#include "app/node.hpp"
#include "app/settings_flags.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
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
  if (settings->auth.mode == "jwt") {
    std::cerr << "jobmesh serve: auth.mode \"jwt\" is not part of this build yet; use \"off\" on loopback only\n";
    return k_config_error_exit;
  }
  setup_logging(settings->log.level);
  spdlog::warn("auth.mode is off: every request acts as user 'demo' with role admin; keep this server on loopback");
  auto signals = block_stop_signals();
  node n{*settings};
  auto port = n.start();
  std::cout << "jobmesh: serving on http://" << settings->server.host << ':' << port << "/ (database "
            << settings->storage.db << "); Ctrl-C stops" << std::endl;
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
