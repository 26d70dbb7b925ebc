// `jobmesh bench match`: generate the data, score it with the kernel (timed without parsing),
// run the NumPy peer on the same files, check both lists, print the table, write the JSON.
#include "bench/suites.hpp"

#include "bench/harness.hpp"
#include "app/progress_bar.hpp"
#include "match/generator.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <limits>
#include <thread>

namespace jobmesh::bench {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct bench_options {
  std::size_t candidates = 20'000, postings = 20'000;
  std::uint64_t seed = 1;
  int repeats = 3, peer_repeats = 3;
  unsigned threads = 0;
  std::string work_dir = "bench/work", out = "bench/results/match.json";
  std::string peer = "bench/peers/numpy_match.py", python = "/usr/bin/python3";
  bool load_only = false;
};

struct run_sample {
  double wall_s, cpu_s;
};

struct comparison {
  std::size_t differing = 0;
  double max_score_difference = 0;
  std::vector<std::string> examples;  ///< the first few differing sources, both lists
};

double generate_data(const bench_options& o, const fs::path& dir) {
  std::cerr << fmt::format("bench match: generating {} postings and {} candidates (seed {}) into {}\n", o.postings,
                           o.candidates, o.seed, dir.string());
  double started = wall_seconds();
  generate_files(dir, o.postings, o.candidates, o.seed);
  return wall_seconds() - started;
}

void print_rate(std::string_view what, const fs::path& file, std::size_t records, double seconds) {
  std::cerr << fmt::format("bench match: {}: {} {} records in {:.3f} s ({:.0f} records/s)\n", file.filename().string(),
                           what, records, seconds, static_cast<double>(records) / seconds);
}

// Reads and prepares one file's records as `jobmesh match` does (every core), printing the rate
// (the file is read into memory first, outside the timing).
template <class Read>
auto load_records(const fs::path& file, Read read) {
  auto text = match::read_ndjson_file(file.string());
  double started = wall_seconds();
  auto records = read(text).records;
  print_rate("read and prepared", file, records.size(), wall_seconds() - started);
  return records;
}

std::vector<match::source_results> time_engine(const bench_options& o, const match::batch_matcher& kernel,
                                               unsigned threads, std::vector<run_sample>& samples) {
  match::query q;  // the defaults are the suite: fit profile, direction candidate, top 10
  std::vector<match::source_results> results;
  for (int r = 0; r < o.repeats; ++r) {
    app::progress_bar bar{fmt::format("jobmesh run {}/{}", r + 1, o.repeats), "candidates"};
    double wall0 = wall_seconds(), cpu0 = process_cpu_seconds();
    results = kernel.run(q, threads, [&](std::size_t d, std::size_t t) { bar.update(d, t); });
    samples.push_back({wall_seconds() - wall0, process_cpu_seconds() - cpu0});
    bar.finish();
    std::cerr << fmt::format("bench match: jobmesh run {}/{}: {:.3f} s\n", r + 1, o.repeats, samples.back().wall_s);
  }
  return results;
}

// One run of the peer; its summary (versions, load and compute seconds) from its stdout.
json::object run_peer(const bench_options& o, const fs::path& dir, unsigned workers) {
  auto script = find_in_checkout(o.peer);
  auto child = run_child({o.python, script.string(), "--postings", (dir / "postings.ndjson").string(),
                                 "--candidates", (dir / "candidates.ndjson").string(), "--top-k", "10",
                                 "--workers", std::to_string(workers), "--out", (dir / "numpy_top.ndjson").string()});
  if (child.exit_code != 0)
    throw std::runtime_error(fmt::format("the NumPy peer {} failed (exit {}); is python3-numpy installed for {}? "
                                         "(scripts/install-deps.sh bench)",
                                         script.string(), child.exit_code, o.python));
  return json::parse(child.out).as_object();
}

std::string describe(const match::source_results& ours, const json::array& theirs) {
  std::string out = "  " + ours.source + " jobmesh:";
  for (const auto& r : ours.results)
    out += fmt::format(" {}={:.9f}", r.id, r.score);
  out += "\n  " + std::string(ours.source.size(), ' ') + " numpy:  ";
  for (const auto& id : theirs)
    out += " " + std::string{id.as_string()};
  return out;
}

// Sources whose lists differ (ids and order), and the largest score difference where they agree.
comparison compare(const std::vector<match::source_results>& ours, const fs::path& peer_file) {
  comparison out;
  std::ifstream in{peer_file};
  std::size_t i = 0;
  for (std::string line; std::getline(in, line) && i < ours.size(); ++i) {
    auto row = json::parse(line).as_object();
    const auto& ids = row.at("results").as_array();
    const auto& scores = row.at("scores").as_array();
    const auto& mine = ours[i].results;
    bool same = ours[i].source == row.at("source").as_string() && ids.size() == mine.size();
    for (std::size_t k = 0; same && k < ids.size(); ++k) {
      same = ids[k].as_string() == mine[k].id;
      out.max_score_difference = std::max(out.max_score_difference, std::abs(scores[k].to_number<double>() - mine[k].score));
    }
    if (!same && out.examples.size() < 3)
      out.examples.push_back(describe(ours[i], ids));
    out.differing += same ? 0 : 1;
  }
  out.differing += ours.size() - i;  // sources the peer did not answer
  return out;
}

struct outcome {
  double generation_s = 0, load_s = 0;
  unsigned threads = 1;
  std::vector<run_sample> ours;
  std::vector<json::object> peer_runs;
  comparison check;
};

struct rates {
  spread ours, peer;
  double our_cpu_busy, peer_cpu_busy;
  std::int64_t workers;
};

rates measure(const outcome& r, double pairs) {
  std::vector<double> ours, busy, peer, peer_busy;
  for (const auto& s : r.ours) {
    ours.push_back(pairs / s.wall_s);
    busy.push_back(s.cpu_s / (s.wall_s * r.threads));
  }
  auto workers = r.peer_runs.front().at("workers").to_number<std::int64_t>();
  for (const auto& p : r.peer_runs) {
    double compute = p.at("compute_s").to_number<double>();
    peer.push_back(pairs / compute);
    peer_busy.push_back(p.at("compute_cpu_s").to_number<double>() / (compute * static_cast<double>(workers)));
  }
  return {summarise(ours), summarise(peer), summarise(busy).median,
          summarise(peer_busy).median, workers};
}

std::string busy_text(double busy) {
  return fmt::format("{:.0f}%{}", busy * 100, busy < 0.9 ? " (NOT saturated)" : "");
}

void print_table(const bench_options& o, const outcome& r, const rates& x, const json::object& machine) {
  const auto& peer = r.peer_runs.front();
  auto text = [](const json::value& v) { return std::string{v.as_string()}; };
  double pairs = static_cast<double>(o.postings) * static_cast<double>(o.candidates);
  std::cout << fmt::format("machine   {} cores, {}; load average before the run {}\n", machine.at("cores").to_number<std::int64_t>(),
                           text(machine.at("cpu")), text(machine.at("load_average_before")))
            << fmt::format("versions  jobmesh {} ({}); Python {}, NumPy {} ({})\n", text(machine.at("jobmesh_version")),
                           text(machine.at("compiler")), text(peer.at("python_version")),
                           text(peer.at("numpy_version")), text(peer.at("blas")))
            << fmt::format("workload  fit profile, top-10 postings for each of {} candidates among {} postings "
                           "({:.1f} M pairs), seed {}\n", o.candidates, o.postings, pairs / 1e6, o.seed)
            << fmt::format("data      generated in {:.2f} s; parsed and indexed in {:.2f} s (not timed below)\n",
                           r.generation_s, r.load_s)
            << fmt::format("{:<10}{:>16}{:>10}{:>10}{:>16}  {}\n", "", "M pairs/s median", "min", "max",
                           "per core", "CPU busy")
            << fmt::format("{:<10}{:>16.1f}{:>10.1f}{:>10.1f}{:>16.1f}  {} of {} threads\n", "jobmesh",
                           x.ours.median / 1e6, x.ours.min / 1e6, x.ours.max / 1e6,
                           x.ours.median / 1e6 / r.threads, busy_text(x.our_cpu_busy), r.threads)
            << fmt::format("{:<10}{:>16.1f}{:>10.1f}{:>10.1f}{:>16.1f}  {} of {} processes\n", "numpy",
                           x.peer.median / 1e6, x.peer.min / 1e6, x.peer.max / 1e6,
                           x.peer.median / 1e6 / static_cast<double>(x.workers), busy_text(x.peer_cpu_busy), x.workers)
            << fmt::format("ratio     {:.1f}x NumPy (medians of pairs/s)\n", x.ours.median / x.peer.median)
            << (r.check.differing == 0
                    ? fmt::format("top-10    identical for every candidate (largest score difference {:.3g})\n",
                                  r.check.max_score_difference)
                    : fmt::format("top-10    DIFFERENT for {} candidates: FAILED\n", r.check.differing));
}

report_table report_of(const bench_options& o, const outcome& r, const rates& x) {
  report_table t;
  t.title = fmt::format("match: fit profile, exhaustive top-10 postings for each of {} candidates among {} postings "
                        "(seed {}), median of {}",
                        grouped(static_cast<double>(o.candidates)), grouped(static_cast<double>(o.postings)), o.seed,
                        o.repeats);
  t.command = "scripts/bench.sh match";
  t.columns = {"system", "M pairs/s", "min-max", "per core", "CPU busy"};
  t.rows = {{fmt::format("jobmesh kernel, {} threads", r.threads), fmt::format("{:.1f}", x.ours.median / 1e6),
             fmt::format("{:.1f}-{:.1f}", x.ours.min / 1e6, x.ours.max / 1e6),
             fmt::format("{:.1f}", x.ours.median / 1e6 / r.threads), fmt::format("{:.0f}%", x.our_cpu_busy * 100)},
            {fmt::format("NumPy, {} processes", x.workers), fmt::format("{:.1f}", x.peer.median / 1e6),
             fmt::format("{:.1f}-{:.1f}", x.peer.min / 1e6, x.peer.max / 1e6),
             fmt::format("{:.1f}", x.peer.median / 1e6 / static_cast<double>(x.workers)),
             fmt::format("{:.0f}%", x.peer_cpu_busy * 100)}};
  auto ratio = x.ours.median / x.peer.median;
  auto per_core = x.ours.median / r.threads;
  t.verdict = fmt::format("{:.1f}x NumPy (target >= 100x): {}; {:.0f} M pairs/s per core (target >= 250 M): {}", ratio,
                          ratio >= 100 ? "met" : "not met", per_core / 1e6, per_core >= 250e6 ? "met" : "not met");
  t.notes = {r.check.differing == 0
                 ? fmt::format("The top-10 lists were identical for every candidate (largest score difference {:.3g}).",
                               r.check.max_score_difference)
                 : fmt::format("The top-10 lists DIFFERED for {} candidates.", r.check.differing)};
  return t;
}

json::object results_json(const bench_options& o, const outcome& r, const rates& x, json::object machine) {
  json::array ours, peer;
  for (const auto& s : r.ours)
    ours.push_back({{"wall_s", s.wall_s}, {"cpu_s", s.cpu_s}});
  for (const auto& p : r.peer_runs)
    peer.push_back({{"load_s", p.at("load_s")}, {"compute_s", p.at("compute_s")},
                    {"compute_cpu_s", p.at("compute_cpu_s")}});
  double pairs = static_cast<double>(o.postings) * static_cast<double>(o.candidates);
  return {
      {"suite", "match"},
      {"machine", std::move(machine)},
      {"workload", {{"profile", "fit"}, {"direction", "candidate"}, {"top_k", 10}, {"candidates", o.candidates},
                    {"postings", o.postings}, {"seed", o.seed}, {"pairs", pairs}}},
      {"peers", {{"numpy", r.peer_runs.front()}}},
      {"data", {{"generation_s", r.generation_s}, {"parse_and_index_s", r.load_s}}},
      {"samples", {{"jobmesh", ours}, {"numpy", peer}}},
      {"summary", {{"jobmesh_pairs_per_s", to_json(x.ours)}, {"numpy_pairs_per_s", to_json(x.peer)},
                   {"jobmesh_threads", r.threads}, {"numpy_processes", x.workers},
                   {"jobmesh_pairs_per_s_per_core", x.ours.median / r.threads},
                   {"numpy_pairs_per_s_per_core", x.peer.median / static_cast<double>(x.workers)},
                   {"ratio", x.ours.median / x.peer.median}, {"jobmesh_cpu_busy", x.our_cpu_busy},
                   {"numpy_cpu_busy", x.peer_cpu_busy}, {"differing_lists", r.check.differing},
                   {"max_score_difference", r.check.max_score_difference}}},
      {"cpu_saturated", x.our_cpu_busy > 0.9},
      {"report", to_json(report_of(o, r, x))},
  };
}

int report(const bench_options& o, const outcome& r) {
  auto host = machine();
  auto x = measure(r, static_cast<double>(o.postings) * static_cast<double>(o.candidates));
  print_table(o, r, x, host);
  for (const auto& e : r.check.examples)
    std::cerr << e << '\n';
  if (auto parent = fs::path{o.out}.parent_path(); !parent.empty())
    fs::create_directories(parent);
  std::ofstream{o.out} << json::serialize(results_json(o, r, x, std::move(host))) << '\n';
  std::cerr << "bench match: wrote " << o.out << '\n';
  return r.check.differing == 0 ? 0 : 1;
}

int run_bench(const bench_options& o) {
  outcome r;
  r.threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  fs::path dir = o.work_dir;
  fs::create_directories(dir);
  r.generation_s = generate_data(o, dir);
  double started = wall_seconds();
  match::normaliser words;
  auto postings = load_records(dir / "postings.ndjson",
                                [&](std::string_view t) { return match::read_prepared_postings(t, words, 0); });
  auto candidates = load_records(dir / "candidates.ndjson",
                                  [&](std::string_view t) { return match::read_prepared_candidates(t, words, 0); });
  match::batch_matcher kernel{postings, candidates};
  r.load_s = wall_seconds() - started;
  if (o.load_only)
    return 0;
  auto results = time_engine(o, kernel, r.threads, r.ours);
  for (int i = 0; i < o.peer_repeats; ++i) {
    std::cerr << fmt::format("bench match: numpy run {}/{} ...\n", i + 1, o.peer_repeats);
    r.peer_runs.push_back(run_peer(o, dir, r.threads));
    std::cerr << fmt::format("bench match: numpy run {}/{}: {:.3f} s (after {:.1f} s of loading)\n", i + 1,
                             o.peer_repeats, r.peer_runs.back().at("compute_s").to_number<double>(),
                             r.peer_runs.back().at("load_s").to_number<double>());
  }
  r.check = compare(results, dir / "numpy_top.ndjson");
  return report(o, r);
}

}  // namespace

void add_match_suite(CLI::App& bench, command_runner& chosen) {
  auto o = std::make_shared<bench_options>();
  auto* cmd = bench.add_subcommand("match", "fit profile, exhaustive top-10 for every candidate, against NumPy");
  // A signed range: CLI11 would read "-5" into a size_t as 2^64 - 5.
  const auto counts = CLI::Range(std::int64_t{1}, std::int64_t{100'000'000});
  cmd->add_option("--candidates", o->candidates, "Candidates to generate")->capture_default_str()->check(counts);
  cmd->add_option("--postings", o->postings, "Postings to generate")->capture_default_str()->check(counts);
  cmd->add_option("--seed", o->seed, "Data seed")->capture_default_str()->check(CLI::Range(std::numeric_limits<std::int64_t>::max()));
  cmd->add_option("--repeats", o->repeats, "Timed runs of the engine")->capture_default_str()->check(CLI::Range(1, 100));
  cmd->add_option("--peer-repeats", o->peer_repeats, "Timed runs of the NumPy peer")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--threads", o->threads, "Engine threads and peer processes (default: every core)");
  cmd->add_option("--work-dir", o->work_dir, "Where the data and the peer's lists go")->capture_default_str();
  cmd->add_option("--out", o->out, "Results JSON")->capture_default_str();
  cmd->add_option("--peer", o->peer, "The NumPy peer script")->capture_default_str();
  cmd->add_option("--python", o->python, "Python with NumPy (Debian's)")->capture_default_str();
  cmd->add_flag("--load-only", o->load_only, "Stop after generating, parsing and preparing the data (their rates)");
  cmd->callback([o, &chosen] { chosen = [o] { return run_bench(*o); }; });
}

}  // namespace jobmesh::bench
