// `jobmesh bench jobs` (BENCH.md, the `jobs` row): N no-op jobs submitted in bulk over HTTP to a
// fresh durable server and run to `completed`, beside graphile-worker and BullMQ doing the same
// in their own clients (bench/peers/jobs), then the idle enqueue-to-start latency of each.
#include "bench/harness.hpp"
#include "bench/http_load.hpp"
#include "bench/suites.hpp"
#include "bench/server.hpp"

#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

namespace jobmesh::bench {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto k_request_timeout = 120s;  // one bulk call of 10,000 jobs, durable
constexpr double k_run_timeout_s = 600;   // all jobs completed, or the sample fails
// The system name of jobmesh's second run, unpaused, counted from its first add.
constexpr std::string_view k_adding = "jobmesh-adding";

// The jobs a bulk submit's reply lists; throws when it rejected any or is not such a reply. The
// reply is ~5 MB for 10,000 jobs: read on demand (simdjson skips the jobs' objects), where a
// whole DOM (boost::json) took 25-36 ms of the cores the server shares, on the path between
// one call and the next.
std::size_t accepted_jobs(const std::string& body) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string text{body};
  auto reply = parser.iterate(text);
  auto jobs = reply["jobs"].get_array();
  std::size_t accepted = jobs.count_elements();
  auto rejected = reply["rejected"].get_array();
  if (rejected.count_elements() != 0)
    throw std::runtime_error("a bulk submit rejected jobs: " + body.substr(0, 300));
  return accepted;
}

struct bench_options {
  std::size_t jobs = 200'000, bulk_size = 10'000, latency_samples = 200, concurrency = 50;
  std::size_t jobmesh_concurrency = 0;  ///< jobs.max_concurrent of the server; 0: its default
  std::vector<std::size_t> sweep = {1, 8, 50, 200};  ///< concurrencies of the sweep; none: no sweep
  std::size_t sweep_jobs = 20'000;
  int repeats = 3;
  std::vector<std::string> peers = {"graphile", "bullmq", "bullmq-keep"};
  std::string work_dir = "bench/work/jobs", out = "bench/results/jobs.json";
};

void say(const std::string& text) {
  std::cerr << "bench jobs: " << text << '\n';
}

// One run of one system: the same fields as the peers' JSON lines.
struct sample {
  /// run: from the resume to the last completion for jobmesh with its queue paused while the
  /// jobs are added (as a peer's run phase); from the first add for jobmesh running as it adds
  double add_s = 0, run_s = 0, total_s = 0;
  double jobs_per_s = 0, adds_per_s = 0;
  double latency_p50_ms = 0, latency_p99_ms = 0;
  double cpu_busy = 0;  ///< the server's CPU seconds over wall seconds x cores, during the run
  std::size_t completed = 0;
  json::object raw;  ///< a peer's own line, kept whole
};

// Jobs of type noop that ended `completed`, from the server's Prometheus counters (kept in
// memory, so polling them costs the server next to nothing).
std::size_t completed_noops(http_connection& c) {
  auto reply = c.send({boost::beast::http::verb::get, "/metrics", {}, {}});
  if (reply.status != 200)
    throw std::runtime_error(fmt::format("/metrics answered {}", reply.status));
  return static_cast<std::size_t>(
      sum_metric(reply.body, "jobmesh_jobs_ended_total", {R"(type="noop")", R"(status="completed")"}));
}

// The storage writer's transactions so far and the rows they wrote (the histogram's count and
// sum): how many rows a commit carried is what the engine's batching is for.
struct commit_totals {
  double commits = 0, rows = 0;
};

commit_totals storage_commits(http_connection& c) {
  auto reply = c.send({boost::beast::http::verb::get, "/metrics", {}, {}});
  if (reply.status != 200)
    throw std::runtime_error(fmt::format("/metrics answered {}", reply.status));
  return {sum_metric(reply.body, "jobmesh_storage_commit_rows_count", {}),
          sum_metric(reply.body, "jobmesh_storage_commit_rows_sum", {})};
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Idle: one job at a time, each submitted once the one before has completed. A sample is the
// job's started_at (the server's clock, in ms) minus the time just before its POST.
std::pair<double, double> idle_latency(const started_server& s, std::size_t samples) {
  http_connection submit{"127.0.0.1", s.port, k_request_timeout};
  http_connection poll{"127.0.0.1", s.port, k_request_timeout};
  std::vector<double> started;
  for (std::size_t i = 0; i < samples; ++i) {
    auto before = unix_ms();
    auto reply = submit.send({boost::beast::http::verb::post, "/api/v1/jobs", R"({"type":"noop","params":{}})",
                              "application/json"});
    if (reply.status / 100 != 2)
      throw std::runtime_error(fmt::format("a single submit answered {}: {}", reply.status, reply.body.substr(0, 300)));
    auto id = std::string{json::parse(reply.body).at("id").as_string()};
    auto deadline = wall_seconds() + 10;
    for (;;) {
      auto job = json::parse(poll.send({boost::beast::http::verb::get, "/api/v1/jobs/" + id, {}, {}}).body).as_object();
      if (job.at("status").as_string() == "completed") {
        started.push_back(static_cast<double>(iso_time_ms(job.at("started_at").as_string()) - before));
        break;
      }
      if (wall_seconds() > deadline)
        throw std::runtime_error("job " + id + " did not complete within 10 s");
      std::this_thread::sleep_for(1ms);  // polling with a bound, not waiting for a guess
    }
  }
  return {percentile(started, 0.5), percentile(started, 0.99)};
}

// Pauses or resumes the server's queue (POST /api/v1/queue/pause or /resume).
void set_paused(http_connection& c, bool paused) {
  auto reply = c.send({boost::beast::http::verb::post, paused ? "/api/v1/queue/pause" : "/api/v1/queue/resume", "{}",
                       "application/json"});
  if (reply.status != 200 || json::parse(reply.body).at("paused").as_bool() != paused)
    throw std::runtime_error(fmt::format("{} answered {}: {}", paused ? "pause" : "resume", reply.status,
                                         reply.body.substr(0, 300)));
}

// One run of jobmesh. `paused`: the queue is paused while the jobs are added and resumed once
// all are stored, so that jobs/s is the run phase's alone, as the peers' is (a peer's
// workers start once its adds are done). Otherwise the server runs jobs as they come, and
// jobs/s counts from the first add.
sample run_jobmesh(const bench_options& o, const fs::path& dir, int index, bool paused) {
  remove_database(dir / "jobs.db");
  std::vector<std::string> args{"--db", "sqlite:" + (dir / "jobs.db").string(), "--set", "log.level=warn"};
  if (o.jobmesh_concurrency > 0)
    args.insert(args.end(), {"--set", fmt::format("jobs.max_concurrent={}", o.jobmesh_concurrency)});
  auto s = start_server(args, dir / fmt::format("server-{}.log", index));
  http_connection submit{"127.0.0.1", s.port, k_request_timeout};
  http_connection poll{"127.0.0.1", s.port, k_request_timeout};
  sample r;
  std::string line = R"({"type":"noop","params":{}})"
                     "\n";
  if (paused)
    set_paused(poll, true);
  double cpu0 = s.process->cpu_seconds(), t0 = wall_seconds();
  for (std::size_t sent = 0; sent < o.jobs;) {
    auto n = std::min(o.bulk_size, o.jobs - sent);
    std::string body;
    body.reserve(line.size() * n);
    for (std::size_t i = 0; i < n; ++i)
      body += line;
    auto reply = submit.send({boost::beast::http::verb::post, "/api/v1/jobs", std::move(body), "application/x-ndjson"});
    if (reply.status / 100 != 2)
      throw std::runtime_error(fmt::format("a bulk submit answered {}: {}", reply.status, reply.body.substr(0, 300)));
    if (auto accepted = accepted_jobs(reply.body); accepted != n)
      throw std::runtime_error(
          fmt::format("a bulk submit of {} jobs accepted {}: {}", n, accepted, reply.body.substr(0, 300)));
    sent += n;
    std::cerr << fmt::format("\rbench jobs: jobmesh {}: submitted {}/{}", index + 1, sent, o.jobs) << std::flush;
  }
  r.add_s = wall_seconds() - t0;
  double run0 = t0;
  if (paused) {
    cpu0 = s.process->cpu_seconds();
    run0 = wall_seconds();
    set_paused(poll, false);
  }
  for (;;) {
    r.completed = completed_noops(poll);
    std::cerr << fmt::format("\rbench jobs: jobmesh {}: completed {}/{}    ", index + 1, r.completed, o.jobs)
              << std::flush;
    if (r.completed >= o.jobs)
      break;
    if (wall_seconds() - run0 > k_run_timeout_s)
      throw std::runtime_error(fmt::format("only {} of {} jobs completed in {} s", r.completed, o.jobs, k_run_timeout_s));
    std::this_thread::sleep_for(5ms);
  }
  std::cerr << '\n';
  auto done = wall_seconds();
  r.run_s = done - run0;
  r.total_s = done - t0;
  r.cpu_busy = (s.process->cpu_seconds() - cpu0) / (r.run_s * std::thread::hardware_concurrency());
  r.jobs_per_s = static_cast<double>(o.jobs) / r.run_s;
  r.adds_per_s = static_cast<double>(o.jobs) / r.add_s;
  auto commits = storage_commits(poll);
  // Durable and counted once: storage says the same.
  auto stats = json::parse(poll.send({boost::beast::http::verb::get, "/api/v1/queue/statistics", {}, {}}).body);
  say(fmt::format("jobmesh {}{}: {:.0f} jobs/s ({} jobs {} in {:.2f} s, submitted in {:.2f} s; server CPU {:.0f}%; "
                  "{:.0f} commits of {:.0f} rows on average)",
                  index + 1, paused ? "" : " running as it adds", r.jobs_per_s, o.jobs,
                  paused ? "run after the adds" : "added and run", r.run_s, r.add_s, r.cpu_busy * 100,
                  commits.commits, commits.commits > 0 ? commits.rows / commits.commits : 0.0));
  if (o.latency_samples > 0)
    std::tie(r.latency_p50_ms, r.latency_p99_ms) = idle_latency(s, o.latency_samples);
  r.raw = {{"statistics", stats}, {"storage_commits", commits.commits}, {"storage_commit_rows", commits.rows}};
  s.process->stop();
  return r;
}

std::string find_node() {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    fs::path candidate = fs::path{std::string{rest.substr(0, colon)}} / "node";
    if (fs::exists(candidate))
      return candidate.string();
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  }
  throw std::runtime_error("no `node` in PATH: the peers run on Node.js (bench/peers/setup-jobs.sh)");
}

// The peers' folder, set up (Debian packages, npm ci from the lock) when it is not yet.
fs::path peers_dir() {
  auto dir = find_in_checkout("bench/peers/jobs");
  if (!fs::exists(dir / "package.json"))
    throw std::runtime_error("no bench/peers/jobs: run from the checkout");
  if (!fs::exists(dir / "node_modules")) {
    auto setup = find_in_checkout("bench/peers/setup-jobs.sh");
    say("installing the peers once: " + setup.string());
    if (run_child({setup.string()}).exit_code != 0)
      throw std::runtime_error(setup.string() + " failed");
  }
  return dir;
}

sample run_peer(const bench_options& o, const std::string& peer, const fs::path& dir) {
  std::vector<std::string> argv{find_node()};
  if (peer == "graphile") {
    argv.push_back((dir / "graphile.mjs").string());
  } else {
    argv.push_back((dir / "bullmq.mjs").string());
    argv.insert(argv.end(), {"--remove-on-complete", peer == "bullmq" ? "true" : "false"});
  }
  argv.insert(argv.end(), {"--jobs", std::to_string(o.jobs), "--concurrency", std::to_string(o.concurrency),
                           "--latency-samples", std::to_string(o.latency_samples)});
  auto child = run_child(argv);
  if (child.exit_code != 0)
    throw std::runtime_error(fmt::format("{} exited with {}", peer, child.exit_code));
  auto line = json::parse(child.out).as_object();
  sample r;
  auto num = [&](const json::object& obj, std::string_view key) { return obj.at(key).to_number<double>(); };
  r.add_s = num(line, "add_seconds");
  r.run_s = num(line, "run_seconds");
  r.total_s = r.add_s + r.run_s;
  r.jobs_per_s = num(line, "jobs_per_s");
  r.adds_per_s = num(line, "adds_per_s");
  r.completed = static_cast<std::size_t>(num(line, "completed"));
  // null when no latency was sampled (the sweep)
  const auto& latency = line.at("latency_ms").as_object();
  r.latency_p50_ms = latency.at("p50").is_null() ? 0 : num(latency, "p50");
  r.latency_p99_ms = latency.at("p99").is_null() ? 0 : num(latency, "p99");
  r.raw = std::move(line);
  say(fmt::format("{}: {:.0f} jobs/s (run {:.2f} s after adding in {:.2f} s)", peer, r.jobs_per_s, r.run_s, r.add_s));
  return r;
}

std::string label(const std::string& system) {
  if (system == k_adding)
    return "jobmesh, running as it adds";
  if (system == "graphile")
    return "graphile-worker";
  if (system == "bullmq")
    return "BullMQ removeOnComplete";
  if (system == "bullmq-keep")
    return "BullMQ keep completed";
  return system;
}

json::object spread_of(const std::vector<sample>& samples, double sample::*field) {
  std::vector<double> v;
  for (const auto& s : samples)
    v.push_back(s.*field);
  return to_json(summarise(v));
}

double median_of(const std::vector<sample>& samples, double sample::*field) {
  std::vector<double> v;
  for (const auto& s : samples)
    v.push_back(s.*field);
  return summarise(v).median;
}

using system_runs = std::vector<std::pair<std::string, std::vector<sample>>>;

// Jobs/s of every system at each concurrency of the sweep: [system] -> [[concurrency, jobs/s]].
using sweep_points = std::map<std::string, std::vector<std::pair<std::size_t, double>>>;

int report(const bench_options& o, const system_runs& runs, const sweep_points& sweep) {
  report_table t;
  t.title = fmt::format("jobs: {} no-op jobs submitted in bulk ({} per call) and run to completed, durable; "
                        "median of {}",
                        grouped(static_cast<double>(o.jobs)), grouped(static_cast<double>(o.bulk_size)), o.repeats);
  t.command = "scripts/bench.sh jobs";
  t.columns = {"system", "jobs/s", "adds/s", "add+run s", "idle p50 / p99 ms"};
  json::object systems;
  double ours = 0, best_peer = 0;
  std::string best_name;
  bool all_completed = true;
  for (const auto& [system, samples] : runs) {
    if (samples.empty())
      continue;
    auto jobs_per_s = median_of(samples, &sample::jobs_per_s);
    t.rows.push_back({label(system), grouped(jobs_per_s), grouped(median_of(samples, &sample::adds_per_s)),
                      fmt::format("{:.2f}", median_of(samples, &sample::total_s)),
                      system == k_adding  // sampled once per round, in the other run
                          ? std::string{"-"}
                          : fmt::format("{:.1f} / {:.1f}", median_of(samples, &sample::latency_p50_ms),
                                        median_of(samples, &sample::latency_p99_ms))});
    json::array raw;
    for (const auto& s : samples) {
      raw.push_back(json::object{{"add_s", s.add_s},
                                 {"run_s", s.run_s},
                                 {"jobs_per_s", s.jobs_per_s},
                                 {"adds_per_s", s.adds_per_s},
                                 {"latency_ms", {{"p50", s.latency_p50_ms}, {"p99", s.latency_p99_ms}}},
                                 {"completed", s.completed},
                                 {"cpu_busy", s.cpu_busy},
                                 {"own", s.raw}});
      all_completed = all_completed && s.completed == o.jobs;
    }
    systems[system] = json::object{{"label", label(system)},
                                   {"jobs_per_s", spread_of(samples, &sample::jobs_per_s)},
                                   {"adds_per_s", spread_of(samples, &sample::adds_per_s)},
                                   {"add_and_run_s", spread_of(samples, &sample::total_s)},
                                   {"latency_p50_ms", spread_of(samples, &sample::latency_p50_ms)},
                                   {"latency_p99_ms", spread_of(samples, &sample::latency_p99_ms)},
                                   {"samples", raw}};
    if (system == "jobmesh") {
      ours = jobs_per_s;
    } else if (system != k_adding && jobs_per_s > best_peer) {
      best_peer = jobs_per_s;
      best_name = label(system);
    }
  }
  auto busy = runs.front().second.empty() ? 0.0 : median_of(runs.front().second, &sample::cpu_busy);
  json::object ratio;
  if (best_peer > 0) {
    t.verdict = fmt::format("{:.2f}x {}'s jobs/s (target >= 5x): {}", ours / best_peer, best_name,
                            ours / best_peer >= 5 ? "met" : "not met");
    ratio = {{"against", best_name}, {"jobs_per_s", ours / best_peer}, {"target", 5}};
  } else {
    t.verdict = "no peer ran: no ratio";
  }
  t.notes = {"jobs/s is the run phase's: from the start of the workers (jobmesh: POST /api/v1/queue/resume; its "
             "queue was paused while the jobs were added) to the last completion, after all adds. "
             "\"jobmesh, running as it adds\" is the same server unpaused, counted from its first add to its last "
             "completion (jobs run while the later calls come). add+run is the whole wall time of each.",
             fmt::format("jobmesh's server used {:.0f}% of the {} cores during the run phase; the peers ran at "
                         "concurrency {} with their best documented settings (bench/peers/jobs/README.md).",
                         busy * 100, std::thread::hardware_concurrency(), o.concurrency)};
  json::object sweep_json;
  if (!sweep.empty()) {
    t.notes.push_back(fmt::format("The plot: {} jobs per point, one run each, at each concurrency (jobmesh: "
                                  "jobs.max_concurrent, where a batch of quick jobs takes one slot; a peer: its "
                                  "worker concurrency).",
                                  grouped(static_cast<double>(o.sweep_jobs))));
    json::object series;
    for (const auto& [system, points] : sweep) {
      json::array xy;
      for (const auto& [c, v] : points)
        xy.push_back(json::array{c, v});
      series[label(system)] = std::move(xy);
    }
    sweep_json = {{"x", "concurrency"}, {"y", "jobs/s"}, {"series", std::move(series)}};
  }
  print(t);
  json::object out{{"suite", "jobs"},
                   {"machine", machine()},
                   {"jobs", o.jobs},
                   {"bulk_size", o.bulk_size},
                   {"peer_concurrency", o.concurrency},
                   {"repeats", o.repeats},
                   {"cpu_saturated", busy > 0.9},
                   {"systems", systems},
                   {"ratio", ratio},
                   {"every_job_completed", all_completed},
                   {"report", to_json(t)}};
  if (!sweep.empty())
    out["sweep"] = std::move(sweep_json);
  write_results(o.out, out);
  return all_completed ? 0 : 1;
}

int run_bench(const bench_options& o) {
  fs::path dir = o.work_dir;
  fs::create_directories(dir);
  std::vector<std::pair<std::string, std::vector<sample>>> runs{{"jobmesh", {}}, {std::string{k_adding}, {}}};
  for (const auto& p : o.peers)
    runs.push_back({p, {}});
  auto peers = o.peers.empty() ? fs::path{} : peers_dir();
  // Rounds: each system once per round, so that a slow spell of the machine hits all alike.
  for (int round = 0; round < o.repeats; ++round) {
    say(fmt::format("round {}/{}", round + 1, o.repeats));
    runs[0].second.push_back(run_jobmesh(o, dir, round, true));
    auto adding = o;
    adding.latency_samples = 0;  // once per round is enough
    runs[1].second.push_back(run_jobmesh(adding, dir, 50 + round, false));
    for (std::size_t i = 2; i < runs.size(); ++i)
      runs[i].second.push_back(run_peer(o, runs[i].first, peers));
  }
  // The sweep: fewer jobs, one run per point, no latency samples.
  sweep_points sweep;
  for (auto c : o.sweep) {
    auto point = o;
    point.jobs = std::min(o.sweep_jobs, o.jobs);
    point.latency_samples = 0;
    point.concurrency = point.jobmesh_concurrency = c;
    say(fmt::format("sweep: concurrency {}", c));
    sweep["jobmesh"].emplace_back(c, run_jobmesh(point, dir, 100 + static_cast<int>(c), true).jobs_per_s);
    for (const auto& p : o.peers)
      if (p != "bullmq-keep")  // one BullMQ line is enough for the shape
        sweep[p].emplace_back(c, run_peer(point, p, peers).jobs_per_s);
  }
  return report(o, runs, sweep);
}

}  // namespace

void add_jobs_suite(CLI::App& bench, command_runner& chosen) {
  auto o = std::make_shared<bench_options>();
  auto* cmd = bench.add_subcommand("jobs", "no-op jobs submitted in bulk and run to completed, against "
                                           "graphile-worker and BullMQ (target: >= 5x the faster)");
  const auto counts = CLI::Range(std::int64_t{1}, std::int64_t{10'000'000});
  cmd->add_option("--jobs", o->jobs, "Jobs per run")->capture_default_str()->check(counts);
  cmd->add_option("--bulk-size", o->bulk_size, "Jobs per bulk submit (NDJSON lines per call)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}));
  cmd->add_option("--repeats", o->repeats, "Runs of each system (min/median/max)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--concurrency", o->concurrency, "The peers' worker concurrency")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000}));
  cmd->add_option("--sweep", o->sweep, "Concurrencies of the throughput sweep (the plot); none: --sweep with no value")
      ->capture_default_str()
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}))
      ->expected(0, -1);
  cmd->add_option("--sweep-jobs", o->sweep_jobs, "Jobs per point of the sweep")->capture_default_str()->check(counts);
  cmd->add_option("--latency-samples", o->latency_samples, "Single jobs timed one at a time, idle")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}));
  cmd->add_option("--peers", o->peers, "Peers to run: graphile, bullmq (removeOnComplete), bullmq-keep; none: ''")
      ->capture_default_str()
      ->delimiter(',')
      ->check(CLI::IsMember({"graphile", "bullmq", "bullmq-keep"}))
      ->expected(0, -1);
  cmd->add_option("--work-dir", o->work_dir, "Where the database and the server's logs go")->capture_default_str();
  cmd->add_option("--out", o->out, "Results JSON")->capture_default_str();
  cmd->callback([o, &chosen] {
    std::erase(o->peers, std::string{});  // `--peers ''`: none
    chosen = [o] { return run_bench(*o); };
  });
}

}  // namespace jobmesh::bench
