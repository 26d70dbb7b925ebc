// `jobmesh bench http` (BENCH.md, the `http` row): `GET /api/v1/jobs/{id}` from 64 keep-alive
// connections against jobmesh, and the same JSON body as a static file from nginx (Debian's, set
// up by bench/peers/setup-http.sh and started here on a free loopback port with its best
// documented settings for this: a worker per core, open file cache, no access log, keep-alive
// without a request cap), in rounds, the same load generator for both. Target: >= 50% of
// nginx's requests per second.
#include "bench/harness.hpp"
#include "bench/http_load.hpp"
#include "bench/server.hpp"
#include "bench/suites.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace jobmesh::bench {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr double k_target_share = 0.5;
constexpr double k_start_bound_s = 30;

struct http_options {
  std::size_t connections = 64;
  unsigned threads = 1;
  double duration_s = 10, warm_up_s = 2;
  int repeats = 3;
  std::string nginx = "/usr/sbin/nginx";
  /// jobmesh with JWT auth, every request carrying a bearer token (nginx gets the same bytes
  /// and ignores the field): what a deployment pays per request for its auth.
  bool jwt = false;
  std::string work_dir = "bench/work/http", out = "bench/results/http.json";
};

void say(const std::string& text) {
  std::cerr << "bench http: " << text << '\n';
}

// A port on 127.0.0.1 nobody listens on now (bound, then released for nginx to take).
std::uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a{ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return a.local_endpoint().port();
}

// nginx installed (once) by the peer's setup script, which never starts its service.
void ensure_nginx(const http_options& o) {
  if (fs::exists(o.nginx))
    return;
  auto setup = find_in_checkout("bench/peers/setup-http.sh");
  say("installing nginx once: " + setup.string());
  if (run_child({setup.string()}).exit_code != 0 || !fs::exists(o.nginx))
    throw std::runtime_error(setup.string() + " failed: no " + o.nginx);
}

// The config nginx runs with: everything under `dir`, listening on loopback only.
void write_nginx_config(const fs::path& dir, std::uint16_t port) {
  std::ofstream conf{dir / "nginx.conf"};
  conf << fmt::format(R"(# Written by `jobmesh bench http`: nginx serving one static JSON file.
daemon off;
master_process on;
worker_processes auto;
pid {0}/nginx.pid;
error_log {0}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  open_file_cache max=1000 inactive=60s;
  keepalive_timeout 65s;
  keepalive_requests 100000000;
  client_body_temp_path {0}/tmp;
  proxy_temp_path {0}/tmp;
  fastcgi_temp_path {0}/tmp;
  uwsgi_temp_path {0}/tmp;
  scgi_temp_path {0}/tmp;
  types {{ }}
  default_type application/json;
  server {{
    listen 127.0.0.1:{1};
    root {0}/root;
    location / {{ try_files $uri =404; }}
  }}
}}
)",
                      fs::absolute(dir).string(), port);
  if (!conf.flush())
    throw std::runtime_error("cannot write " + (dir / "nginx.conf").string());
}

// Polls `target` until it answers 200, within the bound.
void wait_until_served(server_process& p, std::uint16_t port, const std::string& target) {
  auto until = wall_seconds() + k_start_bound_s;
  while (wall_seconds() < until) {
    try {
      http_connection c{"127.0.0.1", port, 1000ms};
      if (c.send({boost::beast::http::verb::get, target, {}, {}}).status == 200)
        return;
    } catch (const std::runtime_error&) {
      // not listening yet: the loop's bound decides
    }
    if (!p.running())
      throw std::runtime_error("nginx exited at start:\n" + p.log_text());
    std::this_thread::sleep_for(10ms);
  }
  throw std::runtime_error("nginx did not serve " + target + " within the bound");
}

struct run {
  http_load_result load;
  double server_busy = 0;
  double busy = 0;  ///< server and load generator together
};

// A secret for this run's server: 48 random hexadecimal digits.
std::string random_secret() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 48; ++i)
    out += "0123456789abcdef"[rd() % 16];
  return out;
}

// An admin's token for `secret`, made by `jobmesh token` (this binary).
std::string bearer_for(const std::string& secret) {
  auto made = run_child({"/proc/self/exe", "token", "--set", "auth.secret=" + secret, "--sub", "bench", "--role",
                         "admin", "--ttl", "1h"});
  auto token = made.out.substr(0, made.out.find_first_of("\r\n"));
  if (made.exit_code != 0 || token.empty())
    throw std::runtime_error("`jobmesh token` made no token");
  return "Bearer " + token;
}

// Closed-loop GETs of `target`; every reply must be 200 with exactly `body`.
run load(const http_options& o, std::uint16_t port, const std::string& target, const std::string& body,
         const std::string& authorization, const std::function<double()>& server_cpu) {
  http_load_options lo;
  lo.port = port;
  lo.connections = o.connections;
  lo.threads = o.threads;
  lo.warm_up_s = o.warm_up_s;
  lo.duration_s = o.duration_s;
  double open = 0, close = 0;
  lo.on_window = [&](bool opening) { (opening ? open : close) = server_cpu(); };
  run r;
  r.load = run_http_load(
      lo, [&](std::uint64_t) { return http_request{boost::beast::http::verb::get, target, {}, {}, authorization}; },
      [&](unsigned status, std::string_view got, std::string& problem) {
        if (status == 200 && got == body)
          return true;
        problem = fmt::format("GET {} answered {} with {} bytes", target, status, got.size());
        return false;
      });
  auto capacity = r.load.seconds * std::thread::hardware_concurrency();
  r.server_busy = (close - open) / capacity;
  r.busy = r.server_busy + r.load.client_cpu_s / capacity;
  return r;
}

// CPU seconds of nginx's master and workers, from /proc (its workers are the master's children).
double nginx_cpu_seconds(const fs::path& dir) {
  std::ifstream pid_file{dir / "nginx.pid"};
  long master = 0;
  pid_file >> master;
  double total = 0;
  for (const auto& entry : fs::directory_iterator{"/proc"}) {
    std::ifstream stat{entry.path() / "stat"};
    std::string line;
    if (!std::getline(stat, line))
      continue;
    auto close = line.rfind(')');
    if (close == std::string::npos)
      continue;
    std::istringstream rest{line.substr(close + 2)};
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    long pid = std::strtol(entry.path().filename().c_str(), nullptr, 10);
    if (pid != master && ppid != master)
      continue;
    std::string skip;
    for (int i = 0; i < 9; ++i)
      rest >> skip;
    double utime = 0, stime = 0;
    rest >> utime >> stime;
    total += (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  return total;
}

json::object run_json(const run& r) {
  return {{"requests", r.load.requests},  {"requests_per_s", r.load.requests_per_s},
          {"p50_ms", r.load.p50_ms},      {"p99_ms", r.load.p99_ms},
          {"max_ms", r.load.max_ms},      {"non_2xx", r.load.non_2xx},
          {"rejected", r.load.rejected},  {"errors", r.load.errors},
          {"server_busy", r.server_busy}, {"busy", r.busy}, {"client_cpu_s", r.load.client_cpu_s}};
}

int bench_http(const http_options& o) {
  fs::path dir = o.work_dir;
  fs::create_directories(dir / "tmp");
  ensure_nginx(o);
  remove_database(dir / "http.db");
  std::vector<std::string> args{"--db", "sqlite:" + (dir / "http.db").string(), "--set", "log.level=warn"};
  std::string authorization;
  if (o.jwt) {
    auto secret = random_secret();
    args.insert(args.end(), {"--set", "auth.mode=jwt", "--set", "auth.secret=" + secret});
    authorization = bearer_for(secret);
  }
  auto s = start_server(args, dir / "server.log");
  // One finished job, as a user polling for a result would read it.
  http_connection c{"127.0.0.1", s.port, 10s};
  auto submitted = c.send({boost::beast::http::verb::post, "/api/v1/jobs", R"({"type":"noop","params":{}})",
                           "application/json", authorization});
  if (submitted.status != 202)
    throw std::runtime_error(fmt::format("the submit answered {}: {}", submitted.status, submitted.body));
  auto target = "/api/v1/jobs/" + std::string{json::parse(submitted.body).at("id").as_string()};
  std::string body;
  for (auto until = wall_seconds() + 10; body.find(R"("status":"completed")") == std::string::npos;) {
    if (wall_seconds() > until)
      throw std::runtime_error("the job did not complete within 10 s");
    body = c.send({boost::beast::http::verb::get, target, {}, {}, authorization}).body;
  }
  fs::create_directories(dir / "root" / "api" / "v1" / "jobs");
  std::ofstream{dir / "root" / target.substr(1), std::ios::binary} << body;
  auto nginx_port = free_port();
  write_nginx_config(dir, nginx_port);
  server_process nginx{{o.nginx, "-e", (fs::absolute(dir) / "error.log").string(), "-c",
                        (fs::absolute(dir) / "nginx.conf").string()},
                       dir / "nginx.log"};
  wait_until_served(nginx, nginx_port, target);
  say(fmt::format("jobmesh on port {}, nginx on port {}; {} bytes of JSON at {}", s.port, nginx_port, body.size(),
                  target));
  std::vector<run> ours, theirs;
  for (int round = 0; round < o.repeats; ++round) {
    ours.push_back(load(o, s.port, target, body, authorization, [&] { return s.process->cpu_seconds(); }));
    theirs.push_back(load(o, nginx_port, target, body, authorization, [&] { return nginx_cpu_seconds(dir); }));
    say(fmt::format("round {}/{}: jobmesh {:.0f} req/s (p99 {:.2f} ms), nginx {:.0f} req/s (p99 {:.2f} ms)",
                    round + 1, o.repeats, ours.back().load.requests_per_s, ours.back().load.p99_ms,
                    theirs.back().load.requests_per_s, theirs.back().load.p99_ms));
  }
  nginx.stop();
  s.process->stop();

  auto spread_of = [](const std::vector<run>& runs, auto field) {
    std::vector<double> v;
    for (const auto& r : runs)
      v.push_back(field(r));
    return summarise(v);
  };
  auto rps = [](const run& r) { return r.load.requests_per_s; };
  auto p50 = [](const run& r) { return r.load.p50_ms; };
  auto p99 = [](const run& r) { return r.load.p99_ms; };
  auto busy = [](const run& r) { return r.server_busy; };
  bool clean = true;
  json::array raw_ours, raw_theirs;
  for (const auto& r : ours) {
    clean = clean && r.load.clean();
    raw_ours.push_back(run_json(r));
  }
  for (const auto& r : theirs) {
    clean = clean && r.load.clean();
    raw_theirs.push_back(run_json(r));
  }
  auto our_rps = spread_of(ours, rps), their_rps = spread_of(theirs, rps);
  double share = our_rps.median / their_rps.median;
  report_table t;
  t.title = fmt::format("http: GET /api/v1/jobs/{{id}} ({} bytes of JSON), {} keep-alive connections, {} s windows, "
                        "median of {} rounds{}",
                        body.size(), o.connections, o.duration_s, o.repeats,
                        o.jwt ? "; jobmesh with JWT auth, every request a bearer token" : "");
  t.command = o.jwt ? "scripts/bench.sh http --jwt" : "scripts/bench.sh http";
  t.columns = {"server", "requests/s", "min-max", "p50 / p99 ms", "server CPU"};
  auto row = [&](const std::string& name, const std::vector<run>& runs) {
    auto r = spread_of(runs, rps);
    return std::vector<std::string>{name, grouped(r.median), grouped(r.min) + "-" + grouped(r.max),
                                    fmt::format("{:.2f} / {:.2f}", spread_of(runs, p50).median,
                                                spread_of(runs, p99).median),
                                    fmt::format("{:.0f}%", spread_of(runs, busy).median * 100)};
  };
  t.rows = {row("jobmesh", ours), row("nginx 1.22 (static file)", theirs)};
  t.verdict = fmt::format("jobmesh serves {:.0f}% of nginx's requests/s (target >= {:.0f}%): {}", share * 100,
                          k_target_share * 100, share >= k_target_share ? "met" : "not met");
  t.notes = {"The same C++ load generator (closed loop: each connection sends its next request when the reply "
             "came) drives both, on the same 2 cores as the server.",
             "jobmesh answers from its engine's finished jobs (held in memory as they end, so no actor or storage "
             "is asked) through its router, auth and JSON; nginx sends the same bytes from its file cache."};
  if (!clean)
    t.notes.push_back("Some requests failed or got another body: see bench/results/http.json.");
  print(t);
  json::object out{{"suite", "http"},
                   {"machine", machine()},
                   {"connections", o.connections},
                   {"duration_s", o.duration_s},
                   {"repeats", o.repeats},
                   {"body_bytes", body.size()},
                   {"jwt", o.jwt},
                   {"cpu_saturated", spread_of(ours, [](const run& r) { return r.busy; }).median > 0.9},
                   {"jobmesh", {{"requests_per_s", to_json(our_rps)}, {"samples", raw_ours}}},
                   {"nginx", {{"requests_per_s", to_json(their_rps)}, {"samples", raw_theirs}}},
                   {"ratio", {{"against", "nginx"}, {"requests_per_s", share}, {"target", k_target_share}}},
                   {"every_reply_right", clean},
                   {"report", to_json(t)}};
  write_results(o.out, out);
  return clean ? 0 : 1;
}

}  // namespace

void add_http_suite(CLI::App& bench, command_runner& chosen) {
  auto o = std::make_shared<http_options>();
  auto* cmd = bench.add_subcommand("http", "GET /api/v1/jobs/{id} over keep-alive, against nginx serving the same "
                                           "JSON as a static file (target: >= 50% of nginx)");
  cmd->add_option("--connections", o->connections, "Keep-alive connections")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{4'096}));
  cmd->add_option("--threads", o->threads, "Load generator threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  add_window_options(*cmd, o->duration_s, o->warm_up_s);
  cmd->add_option("--nginx", o->nginx, "The nginx binary")->capture_default_str();
  cmd->add_flag("--jwt", o->jwt,
                "Run jobmesh with JWT auth, each request carrying a bearer token (nginx ignores the field)");
  add_run_options(*cmd, o->repeats, "Rounds, each server once per round", o->work_dir,
                  "Where the database, nginx's files and the logs go", o->out);
  cmd->callback([o, &chosen] { chosen = [o] { return bench_http(*o); }; });
}

}  // namespace jobmesh::bench
