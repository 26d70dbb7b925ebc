// `jobmesh bench match-query`: generate the data, start `jobmesh serve` as a child process on a
// fresh SQLite file, ingest over HTTP, read its memory, restart it to time the load at start,
// then run the query load (bench_http_load) and write the table and the JSON.
#include "bench/suites.hpp"

#include "bench/harness.hpp"
#include "bench/http_load.hpp"
#include "bench/server.hpp"
#include "app/progress_bar.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <cstdio>
#include <thread>

namespace jobmesh::bench {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto k_first_match_timeout = 600s;  // a held query waits for the whole load
constexpr auto k_ingest_timeout = 300s;      // one chunk of 10,000 records, durable
constexpr double k_target_load_per_s = 1'000'000;  // issue 7: records into the shards at start

struct bench_options {
  std::size_t postings = 1'000'000, candidates = 1'000, connections = 32, chunk_lines = 10'000;
  std::uint64_t seed = 1;
  double duration_s = 10, warm_up_s = 2, target_p99_ms = 5;
  int repeats = 3;
  unsigned client_threads = 1;
  bool reuse_database = false;
  /// Open-loop runs after the closed ones, at these fractions of the closed loop's median rate.
  std::vector<double> open_loop = {0.25, 0.5, 0.75};
  std::string work_dir = "bench/work/match-query", out = "bench/results/match-query.json";
};

void say(const std::string& text) {
  std::cerr << "bench match-query: " << text << '\n';
}

// The data files, generated unless a manifest says the same ones are there already.
bool prepare_data(const bench_options& o, const fs::path& dir) {
  auto manifest_path = dir / "data.json";
  auto sizes = [&] {
    std::error_code ec;
    return json::object{{"postings_bytes", fs::file_size(dir / "postings.ndjson", ec)},
                        {"candidates_bytes", fs::file_size(dir / "candidates.ndjson", ec)}};
  };
  json::object wanted{{"postings", o.postings}, {"candidates", o.candidates}, {"seed", o.seed}};
  if (std::ifstream in{manifest_path}) {
    std::string text{std::istreambuf_iterator<char>{in}, {}};
    boost::system::error_code ec;
    auto have = json::parse(text, ec);  // a broken manifest only means generating again
    if (!ec && have.is_object() && have.as_object().if_contains("data") &&
        have.at("data") == wanted && have.as_object().if_contains("sizes") && have.at("sizes") == sizes()) {
      say(fmt::format("reusing {} postings and {} candidates (seed {}) in {}: same counts, seed and sizes",
                      o.postings, o.candidates, o.seed, dir.string()));
      return false;
    }
  }
  say(fmt::format("generating {} postings and {} candidates (seed {}) into {}", o.postings, o.candidates, o.seed,
                  dir.string()));
  generate_files(dir, o.postings, o.candidates, o.seed);
  std::ofstream{manifest_path} << json::serialize(json::object{{"data", wanted}, {"sizes", sizes()}}) << '\n';
  return true;
}

std::vector<std::string> candidate_ids(const fs::path& file) {
  std::vector<std::string> ids;
  std::ifstream in{file};
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      ids.emplace_back(json::parse(line).at("id").as_string());
  if (ids.empty())
    throw std::runtime_error("no candidates in " + file.string());
  return ids;
}

std::string match_target(const std::string& id) {
  return "/api/v1/candidates/" + id + "/matches?top_k=10";
}

http_request get(std::string target) {
  return {boost::beast::http::verb::get, std::move(target), {}, {}};
}

// The server is this very binary, on its own SQLite file. A held query waits for the whole
// load at start; the default request timeout (10 s) would answer 503 first.
started_server start_query_server(const fs::path& db, const fs::path& log) {
  return start_server({"--db", "sqlite:" + db.string(), "--set", "server.request_timeout_ms=600000", "--set",
                       "log.level=info"},
                      log);
}

// Seconds until the first query answered 200: it is held while the shards load.
double first_match(const started_server& s, const std::string& id) {
  http_connection c{"127.0.0.1", s.port, k_first_match_timeout};
  auto reply = c.send(get(match_target(id)));
  if (reply.status != 200)
    throw std::runtime_error(fmt::format("the first query answered {}: {}", reply.status, reply.body.substr(0, 300)));
  return wall_seconds() - s.spawned_at;
}

struct ingest_rate {
  std::size_t records = 0;
  double seconds = 0;  ///< round trips only, the file's reading apart
};

void post_chunk(http_connection& c, const std::string& target, std::string& chunk, std::size_t lines,
                ingest_rate& r) {
  double started = wall_seconds();
  auto reply = c.send({boost::beast::http::verb::post, target, std::move(chunk), "application/x-ndjson"});
  r.seconds += wall_seconds() - started;
  chunk.clear();
  auto answer = reply.status == 200 ? json::parse(reply.body).as_object() : json::object{};
  if (reply.status != 200 || answer.at("accepted").to_number<std::size_t>() != lines ||
      !answer.at("rejected").as_array().empty())
    throw std::runtime_error(
        fmt::format("ingest into {} answered {}: {}", target, reply.status, reply.body.substr(0, 300)));
  r.records += lines;
}

ingest_rate ingest(const started_server& s, const fs::path& file, const std::string& kind, std::size_t total,
                   std::size_t chunk_lines) {
  http_connection c{"127.0.0.1", s.port, k_ingest_timeout};
  auto target = "/api/v1/" + kind;
  ingest_rate r;
  app::progress_bar bar{"ingesting " + kind, "records"};
  std::ifstream in{file};
  std::string chunk;
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) {
    chunk.append(line).push_back('\n');
    if (++lines == chunk_lines) {
      post_chunk(c, target, chunk, lines, r);
      lines = 0;
      bar.update(r.records, total);
    }
  }
  if (lines > 0)
    post_chunk(c, target, chunk, lines, r);
  bar.finish();
  say(fmt::format("ingested {} {} in {:.2f} s of requests ({:.0f} records/s)", r.records, kind, r.seconds,
                  static_cast<double>(r.records) / r.seconds));
  return r;
}

struct load_sample {
  http_load_result load;
  double server_cpu_s = 0;
  double offered_per_s = 0;  ///< open loop; 0 for the closed loop
};

// One timed run of the query load on the started server: closed loop when `rate` is 0.
load_sample run_load(const bench_options& o, const started_server& s, const std::vector<std::string>& targets,
                     const std::string& name, double rate = 0) {
  http_load_options lo;
  lo.port = s.port;
  lo.connections = o.connections;
  lo.rate_per_s = rate;
  lo.threads = o.client_threads;
  lo.warm_up_s = o.warm_up_s;
  lo.duration_s = o.duration_s;
  double cpu_opened = 0, cpu_closed = 0;
  lo.on_window = [&](bool opening) { (opening ? cpu_opened : cpu_closed) = s.process->cpu_seconds(); };
  say(fmt::format("{}: {} connections, {}, {:.0f} s warm-up then {:.0f} s measured ...", name, o.connections,
                  rate > 0 ? fmt::format("open loop at {:.0f} queries/s", rate) : std::string{"closed loop"},
                  o.warm_up_s, o.duration_s));
  auto source = [&targets](std::uint64_t sequence) { return get(targets[sequence % targets.size()]); };
  auto check = [](unsigned, std::string_view body, std::string& problem) {
    if (body.find(R"("results":[)") != std::string_view::npos)
      return true;
    problem = "no results array: " + std::string{body.substr(0, 200)};
    return false;
  };
  load_sample out{run_http_load(lo, source, check), 0, rate};
  out.server_cpu_s = cpu_closed - cpu_opened;
  const auto& r = out.load;
  say(fmt::format("{}: {:.0f} queries/s, p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms; {} non-2xx, {} refused, "
                  "{} errors", name, r.requests_per_s, r.p50_ms, r.p99_ms, r.max_ms, r.non_2xx, r.rejected, r.errors));
  return out;
}

// "marketplace: N postings and M candidates loaded into S shards in T ms", from the server's log.
// (std::regex is avoided: GCC 12 warns inside it under the sanitizers.)
json::value loaded_line(const std::string& log) {
  auto at = log.find("marketplace: ");
  while (at != std::string::npos && log.find(" loaded into ", at) > log.find('\n', at))
    at = log.find("marketplace: ", at + 1);
  if (at == std::string::npos)
    return nullptr;
  long long postings = 0, candidates = 0, shards = 0, ms = 0;
  auto line = log.substr(at, log.find('\n', at) - at);
  if (std::sscanf(line.c_str(), "marketplace: %lld postings and %lld candidates loaded into %lld shards in %lld ms",
                  &postings, &candidates, &shards, &ms) != 4)
    return nullptr;
  return json::object{{"postings", postings}, {"candidates", candidates}, {"shards", shards}, {"ms", ms}};
}

struct outcome {
  bool generated = false, reused_database = false;
  ingest_rate postings, candidates;  ///< zero with a reused database
  double rss_empty = 0, rss_after_ingest = 0, rss_after_restart = 0;
  double ready_s = 0, first_match_s = 0;
  json::value logged;
  std::vector<load_sample> samples;    ///< closed loop
  std::vector<load_sample> open_loop;  ///< at fractions of the closed loop's median rate
};

struct summary {
  spread qps, p50, p90, p99, max, busy;
  double cores = 1;
  bool clean = true;
};

summary summarise_runs(const bench_options& o, const outcome& r) {
  summary x;
  x.cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<double> qps, p50, p90, p99, max, busy;
  for (const auto& s : r.samples) {
    qps.push_back(s.load.requests_per_s);
    p50.push_back(s.load.p50_ms);
    p90.push_back(s.load.p90_ms);
    p99.push_back(s.load.p99_ms);
    max.push_back(s.load.max_ms);
    busy.push_back((s.server_cpu_s + s.load.client_cpu_s) / (o.duration_s * x.cores));
    x.clean = x.clean && s.load.clean();
  }
  for (const auto& s : r.open_loop)
    x.clean = x.clean && s.load.clean();
  x.qps = summarise(qps);
  x.p50 = summarise(p50);
  x.p90 = summarise(p90);
  x.p99 = summarise(p99);
  x.max = summarise(max);
  x.busy = summarise(busy);
  return x;
}

double per_posting(const bench_options& o, double before, double after) {
  return (after - before) / static_cast<double>(o.postings);
}

std::string row(std::string_view name, const spread& s, std::string_view tail = {}) {
  return fmt::format("{:<12}{:>12.2f}{:>12.2f}{:>12.2f}  {}\n", name, s.median, s.min, s.max, tail);
}

// Latency at a given load: one line per open-loop run.
std::string open_loop_rows(const bench_options& o, const outcome& r, const summary& x) {
  std::string out;
  if (!r.open_loop.empty())
    out += fmt::format("open loop (latency from when each query was due; {} connections):\n", o.connections);
  for (const auto& s : r.open_loop) {
    const auto& l = s.load;
    out += fmt::format("  {:>6.0f} queries/s offered ({:>3.0f}% of the closed loop's {:.0f}): {:.0f} answered/s, p50 "
                       "{:.2f} ms, p99 {:.2f} ms, max {:.2f} ms: p99 target {}\n",
                       s.offered_per_s, 100 * s.offered_per_s / x.qps.median, x.qps.median, l.requests_per_s, l.p50_ms,
                       l.p99_ms, l.max_ms, l.p99_ms <= o.target_p99_ms ? "met" : "NOT met");
  }
  return out;
}

// harness.hpp's pauses as a phrase: "1.5 a second per core of >= 1 ms, ..., the longest 3.7 ms".
std::string pauses_text(const json::object& pauses) {
  auto number = [&](const char* key) { return pauses.at(key).to_number<double>(); };
  return fmt::format("{:g} a second per core of >= 1 ms, {:g} of >= 2 ms, {:g} of >= 5 ms, the longest {:g} ms",
                     number("over_1ms_per_s"), number("over_2ms_per_s"), number("over_5ms_per_s"),
                     number("longest_ms"));
}

void print_table(const bench_options& o, const outcome& r, const summary& x, const json::object& machine) {
  auto text = [](const json::value& v) { return std::string{v.as_string()}; };
  auto rate = [](const ingest_rate& i) { return static_cast<double>(i.records) / i.seconds; };
  const auto& last = r.samples.back();
  std::cout << fmt::format("machine   {} cores, {}; load average before the run {}\n", x.cores, text(machine.at("cpu")),
                           text(machine.at("load_average_before")))
            << fmt::format("pauses    {} (idle cores, after the load)\n", pauses_text(machine.at("pauses").as_object()))
            << fmt::format("versions  jobmesh {} ({})\n", text(machine.at("jobmesh_version")),
                           text(machine.at("compiler")))
            << fmt::format("workload  GET /api/v1/candidates/{{id}}/matches?top_k=10 (fit profile) among {} postings; "
                           "ids round-robin over {} candidates (seed {}); {} keep-alive connections on {} client "
                           "thread(s), closed loop, {:.0f} s after {:.0f} s warm-up, {} repeat(s)\n",
                           o.postings, o.candidates, o.seed, o.connections, o.client_threads, o.duration_s, o.warm_up_s,
                           o.repeats)
            << (r.reused_database
                    ? std::string{"ingest    not measured: --reuse-database\n"}
                    : fmt::format("ingest    {:.0f} postings/s, {:.0f} candidates/s (NDJSON, {} lines per POST, "
                                  "one connection, durable SQLite)\n", rate(r.postings), rate(r.candidates),
                                  o.chunk_lines))
            << fmt::format("memory    server RSS {:.1f} MiB empty; ", r.rss_empty / 1048576)
            << (r.reused_database ? std::string{}
                                  : fmt::format("{:.1f} MiB after ingest + first query = {:.0f} B per posting; ",
                                                r.rss_after_ingest / 1048576,
                                                per_posting(o, r.rss_empty, r.rss_after_ingest)))
            << fmt::format("{:.1f} MiB after a restart (loaded from SQLite) = {:.0f} B per posting (candidates "
                           "included; they are few)\n", r.rss_after_restart / 1048576,
                           per_posting(o, r.rss_empty, r.rss_after_restart))
            << fmt::format("start     spawn -> /readyz {:.0f} ms; spawn -> first match {:.0f} ms{}\n", r.ready_s * 1000,
                           r.first_match_s * 1000,
                           r.logged.is_object()
                               ? fmt::format("; server log: loaded into {} shards in {} ms",
                                             r.logged.at("shards").as_int64(), r.logged.at("ms").as_int64())
                               : std::string{})
            << fmt::format("{:<12}{:>12}{:>12}{:>12}\n", "", "median", "min", "max")
            << row("queries/s", x.qps) << row("p50 ms", x.p50) << row("p90 ms", x.p90)
            << row("p99 ms", x.p99, fmt::format("target <= {:.0f} ms: {}", o.target_p99_ms,
                                                x.p99.median <= o.target_p99_ms ? "met" : "NOT met"))
            << row("max ms", x.max) << open_loop_rows(o, r, x)
            << fmt::format("cpu       server {:.0f}% + client {:.0f}% of {} cores in the last window: {:.0f}% busy{}\n",
                           100 * last.server_cpu_s / (o.duration_s * x.cores),
                           100 * last.load.client_cpu_s / (o.duration_s * x.cores), x.cores, 100 * x.busy.median,
                           x.busy.median < 0.9 ? " (NOT saturated: another process took CPU, or the load is too light)"
                                               : " (saturated)")
            << fmt::format("replies   {}\n", x.clean ? "every reply 200 with a results array, no errors"
                                                     : "FAILED: see the problems on stderr");
}

json::object sample_json(const load_sample& s) {
  const auto& l = s.load;
  return {{"offered_per_s", s.offered_per_s > 0 ? json::value(s.offered_per_s) : json::value(nullptr)},
          {"requests", l.requests}, {"seconds", l.seconds}, {"queries_per_s", l.requests_per_s},
          {"mean_ms", l.mean_ms}, {"p50_ms", l.p50_ms}, {"p90_ms", l.p90_ms}, {"p99_ms", l.p99_ms},
          {"max_ms", l.max_ms}, {"non_2xx", l.non_2xx}, {"refused", l.rejected}, {"errors", l.errors},
          {"reconnects", l.reconnects}, {"server_cpu_s", s.server_cpu_s}, {"client_cpu_s", l.client_cpu_s}};
}

report_table report_of(const bench_options& o, const outcome& r, const summary& x, const json::object& machine) {
  auto rate = [](const ingest_rate& i) { return static_cast<double>(i.records) / i.seconds; };
  report_table t;
  t.title = fmt::format("match-query: GET /api/v1/candidates/{{id}}/matches?top_k=10 (fit) among {} postings, {} "
                        "keep-alive connections; closed loop, median of {}; then open loop at fractions of its rate",
                        grouped(static_cast<double>(o.postings)), o.connections, o.repeats);
  t.command = "scripts/bench.sh match-query";
  t.columns = {"load", "queries/s", "p50 ms", "p99 ms", "max ms"};
  t.rows.push_back({"closed loop", grouped(x.qps.median), fmt::format("{:.2f}", x.p50.median),
                    fmt::format("{:.2f}", x.p99.median), fmt::format("{:.2f}", x.max.median)});
  double worst_open_p99 = 0, highest_open = 0;
  for (const auto& s : r.open_loop) {
    worst_open_p99 = std::max(worst_open_p99, s.load.p99_ms);
    highest_open = std::max(highest_open, s.offered_per_s);
    t.rows.push_back({fmt::format("open loop at {} queries/s", grouped(s.offered_per_s)),
                      grouped(s.load.requests_per_s), fmt::format("{:.2f}", s.load.p50_ms),
                      fmt::format("{:.2f}", s.load.p99_ms), fmt::format("{:.2f}", s.load.max_ms)});
  }
  // Two readings of one target: below saturation (the open loop, up to its highest rate) and
  // at it (the closed loop, where its clients queue by construction); each judged on its own.
  auto judged = [&](double p99) { return p99 <= o.target_p99_ms ? "met" : "not met"; };
  t.verdict = fmt::format("p99 {:.1f} ms in the closed loop at saturation (target <= {:.0f} ms): {}", x.p99.median,
                          o.target_p99_ms, judged(x.p99.median));
  if (!r.open_loop.empty())
    t.verdict += fmt::format("; {:.1f} ms at worst in the open loop up to {} queries/s: {}", worst_open_p99,
                             grouped(highest_open), judged(worst_open_p99));
  t.notes.push_back(fmt::format("Memory: {:.0f} B per posting after a restart (server RSS minus an empty server's, "
                                "over the postings); spawn to /readyz {:.2f} s, to the first match {:.1f} s.",
                                per_posting(o, r.rss_empty, r.rss_after_restart), r.ready_s, r.first_match_s));
  if (r.logged.is_object()) {
    auto records = r.logged.at("postings").to_number<double>() + r.logged.at("candidates").to_number<double>();
    auto ms = r.logged.at("ms").to_number<double>();
    auto per_s = ms > 0 ? records * 1000 / ms : 0.0;
    t.notes.push_back(fmt::format("Loading at start (the server's log): {} records into {} shards in {:.2f} s, {} "
                                  "records/s (target >= {}): {}.",
                                  grouped(records), r.logged.at("shards").as_int64(), ms / 1000, grouped(per_s),
                                  grouped(k_target_load_per_s), per_s >= k_target_load_per_s ? "met" : "not met"));
  }
  if (!r.reused_database)
    t.notes.push_back(fmt::format("Ingest over HTTP (NDJSON, {} lines per POST, durable): {} postings/s, {} "
                                  "candidates/s.",
                                  o.chunk_lines, grouped(rate(r.postings)), grouped(rate(r.candidates))));
  // A query passes through several threads (an I/O thread, the scheduler's, both shards'): a
  // pause of any of them is in its latency, so at low load the machine's own pauses set the
  // tail, whatever the server does.
  if (const auto* p = machine.if_contains("pauses"); p != nullptr && p->is_object()) {
    t.notes.push_back(fmt::format("The machine's own pauses, measured after the load with a thread on each core "
                                  "doing nothing but read the clock: {}.",
                                  pauses_text(p->as_object())));
  }
  t.notes.push_back("No peer: BENCH.md's target is absolute.");
  return t;
}

json::object results_json(const bench_options& o, const outcome& r, const summary& x, json::object machine) {
  auto table = report_of(o, r, x, machine);
  json::array samples, open_loop;
  for (const auto& s : r.samples)
    samples.push_back(sample_json(s));
  for (const auto& s : r.open_loop)
    open_loop.push_back(sample_json(s));
  auto after_ingest = [&](double v) { return r.reused_database ? json::value(nullptr) : json::value(v); };
  auto rate = [](const ingest_rate& i) {
    return json::object{{"records", i.records}, {"seconds", i.seconds},
                        {"records_per_s", static_cast<double>(i.records) / i.seconds}};
  };
  return {
      {"suite", "match-query"},
      {"machine", std::move(machine)},
      {"parameters", {{"postings", o.postings}, {"candidates", o.candidates}, {"seed", o.seed}, {"top_k", 10},
                      {"profile", "fit"}, {"connections", o.connections}, {"client_threads", o.client_threads},
                      {"warm_up_s", o.warm_up_s}, {"duration_s", o.duration_s}, {"repeats", o.repeats},
                      {"ingest_chunk_lines", o.chunk_lines},
                      {"open_loop_fractions", json::value_from(o.open_loop)}}},
      {"data", {{"generated", r.generated}, {"reused_database", r.reused_database}}},
      {"ingest", r.reused_database ? json::value(nullptr)
                                   : json::object{{"postings", rate(r.postings)}, {"candidates", rate(r.candidates)}}},
      {"memory", {{"rss_empty_bytes", r.rss_empty}, {"rss_after_ingest_bytes", after_ingest(r.rss_after_ingest)},
                  {"rss_after_restart_bytes", r.rss_after_restart},
                  {"bytes_per_posting_after_ingest", after_ingest(per_posting(o, r.rss_empty, r.rss_after_ingest))},
                  {"bytes_per_posting_after_restart", per_posting(o, r.rss_empty, r.rss_after_restart)},
                  {"note", "(RSS - RSS of an empty server) / postings; candidates included"}}},
      {"start", {{"spawn_to_ready_s", r.ready_s}, {"spawn_to_first_match_s", r.first_match_s},
                 {"server_log", r.logged}}},
      {"samples", std::move(samples)},
      {"open_loop", std::move(open_loop)},
      {"summary", {{"queries_per_s", to_json(x.qps)}, {"p50_ms", to_json(x.p50)},
                   {"p90_ms", to_json(x.p90)}, {"p99_ms", to_json(x.p99)},
                   {"max_ms", to_json(x.max)}, {"cpu_busy", to_json(x.busy)},
                   {"target_p99_ms", o.target_p99_ms}, {"p99_target_met", x.p99.median <= o.target_p99_ms},
                   {"every_reply_ok", x.clean}}},
      {"cpu_saturated", x.busy.median > 0.9},
      {"report", to_json(table)},
  };
}

int report(const bench_options& o, const outcome& r) {
  auto host = machine();
  auto x = summarise_runs(o, r);
  print_table(o, r, x, host);
  for (const auto& s : r.samples)
    for (const auto& p : s.load.problems)
      say("problem: " + p);
  if (auto parent = fs::path{o.out}.parent_path(); !parent.empty())
    fs::create_directories(parent);
  std::ofstream{o.out} << json::serialize(results_json(o, r, x, std::move(host))) << '\n';
  say("wrote " + o.out);
  return x.clean ? 0 : 1;
}

// A fresh database, ingest over HTTP and the memory it took; the server stops at the end.
void fill_database(const bench_options& o, const fs::path& dir, const std::string& first_id, outcome& r) {
  remove_database(dir / "bench.db");
  say("starting the server on a fresh database");
  auto s = start_query_server(dir / "bench.db", dir / "server-ingest.log");
  r.rss_empty = s.process->rss_bytes();
  r.postings = ingest(s, dir / "postings.ndjson", "postings", o.postings, o.chunk_lines);
  r.candidates = ingest(s, dir / "candidates.ndjson", "candidates", o.candidates, o.chunk_lines);
  first_match(s, first_id);  // builds the shards' index if the writes' timer has not yet
  r.rss_after_ingest = s.process->rss_bytes();
  s.process->stop();
}

// The baseline of a reused database's run: a server on an empty database of its own.
double empty_rss(const fs::path& dir) {
  remove_database(dir / "empty.db");
  if (!fs::exists(dir / "bench.db"))
    throw std::runtime_error("--reuse-database: no " + (dir / "bench.db").string() + "; run once without it");
  say("--reuse-database: measuring an empty server's memory, then using the database as it is");
  auto s = start_query_server(dir / "empty.db", dir / "server-empty.log");
  return s.process->rss_bytes();
}

// The server must have loaded exactly the generated data, or the figures are for other data.
void check_loaded(const bench_options& o, const json::value& logged) {
  if (!logged.is_object())
    throw std::runtime_error("the server's log has no \"loaded into\" line");
  auto postings = logged.at("postings").to_number<std::size_t>();
  auto candidates = logged.at("candidates").to_number<std::size_t>();
  if (postings != o.postings || candidates != o.candidates)
    throw std::runtime_error(fmt::format("the database holds {} postings and {} candidates, not {} and {}", postings,
                                         candidates, o.postings, o.candidates));
}

int run_bench(const bench_options& o) {
  fs::path dir = o.work_dir;
  fs::create_directories(dir);
  outcome r;
  r.generated = prepare_data(o, dir);
  auto ids = candidate_ids(dir / "candidates.ndjson");
  r.reused_database = o.reuse_database;
  if (o.reuse_database)
    r.rss_empty = empty_rss(dir);
  else
    fill_database(o, dir, ids.front(), r);
  say("restarting the server on the same database to time its load");
  auto s = start_query_server(dir / "bench.db", dir / "server.log");
  r.ready_s = s.ready_s;
  r.first_match_s = first_match(s, ids.front());
  r.rss_after_restart = s.process->rss_bytes();
  r.logged = loaded_line(s.process->log_text());
  check_loaded(o, r.logged);
  say(fmt::format("ready after {:.0f} ms, first match after {:.0f} ms", r.ready_s * 1000, r.first_match_s * 1000));
  std::vector<std::string> targets;
  for (const auto& id : ids)
    targets.push_back(match_target(id));
  for (int i = 0; i < o.repeats; ++i)
    r.samples.push_back(run_load(o, s, targets, fmt::format("load {}/{}", i + 1, o.repeats)));
  auto capacity = summarise_runs(o, r).qps.median;
  for (std::size_t i = 0; i < o.open_loop.size(); ++i)
    r.open_loop.push_back(run_load(o, s, targets, fmt::format("open loop {}/{}", i + 1, o.open_loop.size()),
                                   o.open_loop[i] * capacity));
  s.process->stop();
  return report(o, r);
}

}  // namespace

void add_match_query_suite(CLI::App& bench, command_runner& chosen) {
  auto o = std::make_shared<bench_options>();
  auto* cmd = bench.add_subcommand("match-query", "one candidate's top-10 over HTTP keep-alive from many connections "
                                                  "(absolute: p99 <= 5 ms on 2 cores)");
  // A signed range: CLI11 would read "-5" into a size_t as 2^64 - 5.
  const auto counts = CLI::Range(std::int64_t{1}, std::int64_t{100'000'000});
  cmd->add_option("--postings", o->postings, "Postings to generate and ingest")->capture_default_str()->check(counts);
  cmd->add_option("--candidates", o->candidates, "Candidates to generate and ingest (the queries' sources)")
      ->capture_default_str()
      ->check(counts);
  cmd->add_option("--seed", o->seed, "Data seed")->capture_default_str()->check(CLI::Range(std::numeric_limits<std::int64_t>::max()));
  cmd->add_option("--connections", o->connections, "Keep-alive connections of the load")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000}));
  cmd->add_option("--client-threads", o->client_threads, "Threads of the load generator")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--duration", o->duration_s, "Seconds measured per repeat")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--warm-up", o->warm_up_s, "Seconds of load before each measured window")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_option("--repeats", o->repeats, "Measured load runs (min/median/max)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--chunk-lines", o->chunk_lines, "NDJSON lines per ingest request (the body limit is 16 MiB)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}));
  cmd->add_option("--open-loop", o->open_loop,
                  "After the closed loop, measure latency at these fractions of its median rate (open loop; "
                  "none: --open-loop '')")
      ->capture_default_str()
      ->delimiter(',')
      ->check(CLI::Range(0.01, 10.0))
      ->expected(0, -1);
  cmd->add_option("--work-dir", o->work_dir, "Where the data, the database and the server's logs go")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Results JSON")->capture_default_str();
  cmd->add_flag("--reuse-database", o->reuse_database,
                "Skip the ingest: use WORK/bench.db as an earlier run left it (checked against the counts)");
  cmd->callback([o, &chosen] {
    // `--open-loop ''` reaches here as one fraction of 0 (CLI11 converts the empty text without
    // its range check), which would run a closed loop labelled "0 queries/s offered": none.
    std::erase(o->open_loop, 0.0);
    chosen = [o] { return run_bench(*o); };
  });
}

}  // namespace jobmesh::bench
