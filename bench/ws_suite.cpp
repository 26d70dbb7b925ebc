// `jobmesh bench ws` (BENCH.md, the `ws` row): 10k WebSocket clients, each following its own
// job's topic, while 1k jobs emit progress at 10 Hz (`sleep` jobs of 100 ms items, one item at a
// time, so each job publishes one progress event per item); deliveries per second and the
// publish-to-receive latency from each frame's `sent_at`; the server's memory per idle
// connection (clients connected and following a quiet topic, before any job runs). The peer is
// a Node `ws` server (bench/peers/ws) publishing events of the same shape and size at the same
// rate to the same clients. The same C++ clients measure both, in rounds.
#include "bench/harness.hpp"
#include "bench/http_load.hpp"
#include "bench/server.hpp"
#include "bench/suites.hpp"
#include "bench/ws_load.hpp"

#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <thread>

#include <sys/resource.h>

namespace jobmesh::bench {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using boost::beast::http::verb;

constexpr double k_target_ratio = 3, k_target_p99_ms = 20, k_target_idle_bytes = 16 * 1024;
constexpr double k_connect_bound_s = 300;

struct ws_options {
  std::size_t clients = 10'000, jobs = 1'000;
  int hz = 10;
  double duration_s = 10, warm_up_s = 3;
  int repeats = 3;
  unsigned threads = 1;
  bool peer = true;
  std::string work_dir = "bench/work/ws", out = "bench/results/ws.json";
};

void say(const std::string& text) {
  std::cerr << "bench ws: " << text << '\n';
}

// A socket per client in this process, and as many in the server (a child: it inherits the
// limit), and then some.
void raise_file_limit(std::size_t clients) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  auto wanted = static_cast<rlim_t>(clients + 1'024);
  if (limit.rlim_cur >= wanted)
    return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted)
    throw std::runtime_error(fmt::format("{} clients need {} open files; the hard limit is {}", clients, wanted,
                                         limit.rlim_max));
}

struct sample {
  ws_window window;
  double idle_bytes_per_client = 0;
  double server_busy = 0;
  double busy = 0;  ///< the server and the clients together
};

std::string idle_topic(std::size_t i) {
  return fmt::format("user:bench-idle-{}", i);
}

// Connects the clients to a quiet topic each (memory per idle connection), then has them follow
// `job_topic(i)` once `start_events` returned, and measures a window after the warm-up.
template <class StartEvents>
sample measure(const ws_options& o, std::uint16_t port, server_process& server, StartEvents start_events,
               const std::string& name) {
  sample r;
  ws_clients_options co;
  co.port = port;
  co.clients = o.clients;
  co.threads = o.threads;
  ws_clients clients{co};
  auto rss_before = server.rss_bytes();
  say(fmt::format("{}: connecting {} clients", name, o.clients));
  clients.connect(idle_topic, k_connect_bound_s);
  r.idle_bytes_per_client = (server.rss_bytes() - rss_before) / static_cast<double>(o.clients);
  auto job_topic = start_events();
  clients.follow([&](std::size_t i) { return job_topic(i % o.jobs); }, k_connect_bound_s);
  say(fmt::format("{}: every client follows its job; warm-up {} s, then {} s measured", name, o.warm_up_s,
                  o.duration_s));
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warm_up_s));  // the warm-up window
  auto cpu0 = server.cpu_seconds(), client0 = process_cpu_seconds();
  r.window = clients.measure(o.duration_s);
  auto capacity = r.window.seconds * std::thread::hardware_concurrency();
  r.server_busy = (server.cpu_seconds() - cpu0) / capacity;
  r.busy = r.server_busy + (process_cpu_seconds() - client0) / capacity;
  for (const auto& p : r.window.problems)
    say(name + ": problem: " + p);
  say(fmt::format("{}: {:.0f} deliveries/s (expected {}), p50 {:.1f} ms, p99 {:.1f} ms; {:.1f} KB per idle connection",
                  name, r.window.deliveries_per_s, o.clients * static_cast<std::size_t>(o.hz), r.window.p50_ms,
                  r.window.p99_ms, r.idle_bytes_per_client / 1024));
  return r;
}

sample run_jobmesh(const ws_options& o, const fs::path& dir, int round) {
  remove_database(dir / "ws.db");
  auto limit = std::to_string(o.clients + 1'000);
  // A run slot per job; each job's one item in flight waits on its runner's timer (no worker).
  auto s = start_server({"--db", "sqlite:" + (dir / "ws.db").string(), "--set", "log.level=warn", "--set",
                         "server.max_connections=" + limit, "--set", "server.max_connections_per_ip=" + limit, "--set",
                         fmt::format("jobs.max_concurrent={}", o.jobs + 16)},
                        dir / fmt::format("server-{}.log", round));
  auto items = static_cast<std::size_t>(std::ceil((o.warm_up_s + o.duration_s + 60) * o.hz));
  std::vector<std::string> ids;
  auto start_jobs = [&] {
    http_connection c{"127.0.0.1", s.port, 60s};
    std::string body;
    for (std::size_t j = 0; j < o.jobs; ++j)
      body += fmt::format(R"({{"type":"sleep","params":{{"items":{},"ms_per_item":{},"parallelism":1}}}})"
                          "\n",
                          items, 1000 / o.hz);
    auto reply = c.send({verb::post, "/api/v1/jobs", std::move(body), "application/x-ndjson"});
    if (reply.status != 202)
      throw std::runtime_error(fmt::format("submitting the jobs answered {}: {}", reply.status, reply.body.substr(0, 300)));
    auto accepted = json::parse(reply.body);
    for (const auto& job : accepted.at("jobs").as_array())
      ids.emplace_back(job.at("id").as_string());
    if (ids.size() != o.jobs)
      throw std::runtime_error(fmt::format("{} of {} jobs were accepted", ids.size(), o.jobs));
    return [&](std::size_t j) { return "job:" + ids[j]; };
  };
  auto r = measure(o, s.port, *s.process, start_jobs, fmt::format("jobmesh {}", round + 1));
  s.process->stop();
  return r;
}

sample run_peer(const ws_options& o, const fs::path& dir, int round) {
  auto peer_dir = find_in_checkout("bench/peers/ws");
  if (!fs::exists(peer_dir / "node_modules")) {
    auto setup = find_in_checkout("bench/peers/setup-ws.sh");
    say("installing the peer once: " + setup.string());
    if (run_child({setup.string()}).exit_code != 0)
      throw std::runtime_error(setup.string() + " failed");
  }
  auto log = dir / fmt::format("peer-{}.log", round);
  server_process peer{{"/usr/bin/node", (peer_dir / "server.js").string(), "--port", "0", "--hz", std::to_string(o.hz)},
                      log};
  std::uint16_t port = 0;
  for (auto until = wall_seconds() + 30; port == 0; std::this_thread::sleep_for(10ms)) {
    auto text = peer.log_text();
    if (auto at = text.find("listening "); at != std::string::npos && text.find('\n', at) != std::string::npos)
      port = static_cast<std::uint16_t>(std::stoi(text.substr(at + 10)));
    else if (!peer.running() || wall_seconds() > until)
      throw std::runtime_error("the ws peer did not start:\n" + text);
  }
  auto start_events = [] { return [](std::size_t j) { return fmt::format("job:bench-{}", j); }; };
  auto r = measure(o, port, peer, start_events, fmt::format("node ws {}", round + 1));
  peer.stop();
  return r;
}

json::object sample_json(const sample& s) {
  return {{"deliveries", s.window.deliveries},       {"seconds", s.window.seconds},
          {"deliveries_per_s", s.window.deliveries_per_s}, {"p50_ms", s.window.p50_ms},
          {"p99_ms", s.window.p99_ms},                {"max_ms", s.window.max_ms},
          {"errors", s.window.errors},                {"idle_bytes_per_client", s.idle_bytes_per_client},
          {"server_busy", s.server_busy},                {"busy", s.busy}};
}

int report(const ws_options& o, const std::vector<sample>& ours, const std::vector<sample>& theirs) {
  auto of = [](const std::vector<sample>& v, auto field) {
    std::vector<double> x;
    for (const auto& s : v)
      x.push_back(field(s));
    return summarise(x);
  };
  auto rate = [](const sample& s) { return s.window.deliveries_per_s; };
  auto p50 = [](const sample& s) { return s.window.p50_ms; };
  auto p99 = [](const sample& s) { return s.window.p99_ms; };
  auto idle = [](const sample& s) { return s.idle_bytes_per_client; };
  auto busy = [](const sample& s) { return s.server_busy; };
  std::uint64_t errors = 0;
  json::array raw_ours, raw_theirs;
  for (const auto& s : ours) {
    errors += s.window.errors;
    raw_ours.push_back(sample_json(s));
  }
  for (const auto& s : theirs) {
    errors += s.window.errors;
    raw_theirs.push_back(sample_json(s));
  }
  report_table t;
  t.title = fmt::format("ws: {} WebSocket clients, each following its job's topic; {} jobs emitting progress at {} Hz "
                        "(expected {} deliveries/s); {} s windows, median of {}",
                        grouped(static_cast<double>(o.clients)), grouped(static_cast<double>(o.jobs)), o.hz,
                        grouped(static_cast<double>(o.clients) * o.hz), o.duration_s, o.repeats);
  t.command = "scripts/bench.sh ws";
  t.columns = {"server", "deliveries/s", "min-max", "p50 / p99 ms", "KB per idle connection", "server CPU"};
  auto row = [&](const std::string& name, const std::vector<sample>& v) {
    auto r = of(v, rate);
    return std::vector<std::string>{name,
                                    grouped(r.median),
                                    grouped(r.min) + "-" + grouped(r.max),
                                    fmt::format("{:.1f} / {:.1f}", of(v, p50).median, of(v, p99).median),
                                    fmt::format("{:.1f}", of(v, idle).median / 1024),
                                    fmt::format("{:.0f}%", of(v, busy).median * 100)};
  };
  t.rows.push_back(row("jobmesh", ours));
  double ratio = 0;
  if (!theirs.empty()) {
    t.rows.push_back(row("Node ws 8 (bench/peers/ws)", theirs));
    ratio = of(ours, rate).median / of(theirs, rate).median;
  }
  auto our_p99 = of(ours, p99).median, our_idle = of(ours, idle).median;
  bool met = (theirs.empty() || ratio >= k_target_ratio) && our_p99 <= k_target_p99_ms && our_idle <= k_target_idle_bytes;
  t.verdict = fmt::format("{}p99 {:.1f} ms, {:.1f} KB per idle connection (targets: >= 3x the peer's deliveries/s, "
                          "p99 <= 20 ms, <= 16 KB): {}",
                          theirs.empty() ? "" : fmt::format("{:.2f}x the peer's deliveries/s, ", ratio), our_p99,
                          our_idle / 1024, met ? "met" : "not met");
  t.notes = {fmt::format("The workload caps deliveries at clients x {} Hz; a server below that fell behind (jobmesh "
                         "writes what it can and a job's progress frame left unsent for 20 ms gives way to the next, "
                         "so its latency is how far its writes lag; the peer skips late ticks, so its rate drops "
                         "while its latency stays low).",
                         o.hz),
             fmt::format("jobmesh's events come from real jobs: {} `sleep` jobs, each item a {} ms wait on its "
                         "job runner's timer (no thread held), each item's end a progress event, and each job's "
                         "progress and items stored 4 times a second; the peer's events come from a timer.",
                         grouped(static_cast<double>(o.jobs)), 1000 / o.hz),
             "Latency: the client's clock at receipt minus the frame's sent_at (milliseconds, set when the server "
             "built the event); the clients and both servers share the same 2 cores.",
             "KB per idle connection: the server's resident memory with every client connected and following a "
             "quiet topic, minus before they connected, over the clients."};
  if (errors > 0)
    t.notes.push_back(fmt::format("{} client connections failed: see bench/results/ws.json.", errors));
  print(t);
  json::object out{{"suite", "ws"},
                   {"machine", machine()},
                   {"clients", o.clients},
                   {"jobs", o.jobs},
                   {"hz", o.hz},
                   {"duration_s", o.duration_s},
                   {"repeats", o.repeats},
                   {"cpu_saturated", of(ours, [](const sample& s) { return s.busy; }).median > 0.9},
                   {"jobmesh", {{"deliveries_per_s", to_json(of(ours, rate))}, {"samples", raw_ours}}},
                   {"ratio", {{"against", "node ws"}, {"deliveries_per_s", ratio}, {"target", k_target_ratio}}},
                   {"report", to_json(t)}};
  if (!theirs.empty())
    out["node_ws"] = json::object{{"deliveries_per_s", to_json(of(theirs, rate))}, {"samples", raw_theirs}};
  write_results(o.out, out);
  return errors == 0 ? 0 : 1;
}

}  // namespace

void add_ws_suite(CLI::App& bench, command_runner& chosen) {
  auto o = std::make_shared<ws_options>();
  auto* cmd = bench.add_subcommand("ws", "WebSocket clients following jobs' progress, against a Node ws server "
                                         "(target: >= 3x its deliveries/s, p99 <= 20 ms, <= 16 KB per idle connection)");
  cmd->add_option("--clients", o->clients, "WebSocket clients")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}));
  cmd->add_option("--jobs", o->jobs, "Jobs emitting progress; client i follows job i mod jobs")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'024}));
  cmd->add_option("--hz", o->hz, "Progress events per second per job")->capture_default_str()->check(CLI::Range(1, 100));
  add_window_options(*cmd, o->duration_s, o->warm_up_s);
  cmd->add_option("--threads", o->threads, "Client threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_flag("--peer,!--no-peer", o->peer, "Run the Node ws peer too")->capture_default_str();
  add_run_options(*cmd, o->repeats, "Rounds, each server once per round", o->work_dir, "Where the database and the logs go",
                  o->out);
  cmd->callback([o, &chosen] {
    chosen = [o] {
      fs::create_directories(o->work_dir);
      raise_file_limit(o->clients);
      std::vector<sample> ours, theirs;
      for (int round = 0; round < o->repeats; ++round) {
        ours.push_back(run_jobmesh(*o, o->work_dir, round));
        if (o->peer)
          theirs.push_back(run_peer(*o, o->work_dir, round));
      }
      return report(*o, ours, theirs);
    };
  });
}

}  // namespace jobmesh::bench
