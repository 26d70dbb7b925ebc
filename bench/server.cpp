#include "bench/server.hpp"

#include "bench/harness.hpp"
#include "bench/http_load.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace jobmesh::bench {

namespace {

using namespace std::chrono_literals;

constexpr double k_start_bound_s = 60;  // spawn -> listening -> /readyz
constexpr double k_stop_bound_s = 60;   // SIGTERM -> exit, then SIGKILL
constexpr auto k_poll = 2ms;            // the granularity of the start times

}  // namespace

server_process::server_process(std::vector<std::string> argv, const std::filesystem::path& log) : log_(log) {
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  int failed = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0)
    throw std::runtime_error(fmt::format("cannot start {}: {}", argv[0], std::strerror(failed)));
}

bool server_process::running() {
  if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_)
    pid_ = -1;
  return pid_ > 0;
}

std::string server_process::log_text() const {
  std::ifstream in{log_};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double server_process::rss_bytes() const {
  std::ifstream in{fmt::format("/proc/{}/status", pid_)};
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:"))
      return std::stod(line.substr(6)) * 1024;  // "VmRSS:  123456 kB"
  throw std::runtime_error("cannot read the server's VmRSS");
}

// Fields 14 and 15 of /proc/<pid>/stat, after the name (which may hold spaces).
double server_process::cpu_seconds() const {
  std::ifstream in{fmt::format("/proc/{}/stat", pid_)};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  std::istringstream rest{text.substr(text.rfind(')') + 2)};
  std::string field;
  double user = 0, system = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14)
      user = std::stod(field);
    if (i == 15)
      system = std::stod(field);
  }
  return (user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void server_process::stop() {
  if (!running())
    return;
  ::kill(pid_, SIGTERM);
  for (double until = wall_seconds() + k_stop_bound_s; running() && wall_seconds() < until;)
    std::this_thread::sleep_for(k_poll);
  if (!running())
    return;
  std::cerr << fmt::format("bench: the server (pid {}) did not stop within {:.0f} s; killing it\n", pid_,
                           k_stop_bound_s);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void server_process::kill() {
  if (!running())
    return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

namespace {

// The port of the server's "serving on http://HOST:PORT/" line, or 0 while it has not said it.
std::uint16_t logged_port(const std::string& log) {
  auto at = log.find("serving on http://");
  if (at == std::string::npos)
    return 0;
  auto slash = log.find('/', at + std::string_view{"serving on http://"}.size());
  auto colon = log.rfind(':', slash);
  unsigned port = 0;
  if (slash == std::string::npos || colon == std::string::npos || colon < at ||
      std::sscanf(log.c_str() + colon + 1, "%u", &port) != 1 || port > 65535)
    return 0;
  return static_cast<std::uint16_t>(port);
}

std::uint16_t wait_for_port(server_process& p, double until) {
  while (wall_seconds() < until) {
    auto log = p.log_text();
    if (auto port = logged_port(log))
      return port;
    if (!p.running())
      throw std::runtime_error("the server exited at start:\n" + log);
    std::this_thread::sleep_for(k_poll);
  }
  throw std::runtime_error("the server did not say its port within the bound:\n" + p.log_text());
}

void wait_for_ready(server_process& p, std::uint16_t port, double until) {
  while (wall_seconds() < until) {
    try {
      http_connection c{"127.0.0.1", port, 1000ms};
      if (c.send({boost::beast::http::verb::get, "/readyz", {}, {}}).status == 200)
        return;
    } catch (const std::runtime_error&) {
      // not answering yet; the loop's bound decides
    }
    if (!p.running())
      throw std::runtime_error("the server exited before it was ready:\n" + p.log_text());
    std::this_thread::sleep_for(k_poll);
  }
  throw std::runtime_error("the server was not ready within the bound");
}

}  // namespace

started_server start_server(const std::vector<std::string>& args, const std::filesystem::path& log,
                            const std::string& program) {
  started_server s;
  s.spawned_at = wall_seconds();
  std::vector<std::string> argv{program, "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  s.process = std::make_unique<server_process>(std::move(argv), log);
  double until = s.spawned_at + k_start_bound_s;
  s.port = wait_for_port(*s.process, until);
  wait_for_ready(*s.process, s.port, until);
  s.ready_s = wall_seconds() - s.spawned_at;
  return s;
}

}  // namespace jobmesh::bench
