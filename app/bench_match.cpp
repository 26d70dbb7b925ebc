#include "app/bench_match.hpp"

#include "match/generator.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace jobmesh::app {

namespace {

namespace fs = std::filesystem;

struct bench_options {
  std::size_t candidates = 20'000, postings = 20'000;
  std::uint64_t seed = 1;
  int repeats = 3, peer_repeats = 3;
  unsigned threads = 0;
  std::string work_dir = "bench/work", out = "bench/results/match.json";
  std::string peer = "bench/peers/numpy_match.py", python = "/usr/bin/python3";
};

struct sample {
  double wall_s, cpu_s;
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string slurp(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string cpu_model() {
  std::ifstream in{"/proc/cpuinfo"};
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("model name"))
      return line.substr(line.find(':') + 2);
  return "unknown";
}

struct stats {
  double min, median, max;
};

stats summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2], v.back()};
}

// Runs the peer once; returns its JSON summary (its own timing of the scoring, without loading).
boost::json::object run_peer(const bench_options& o, const fs::path& dir, unsigned workers) {
  auto summary = dir / "numpy_summary.json";
  auto cmd = fmt::format("'{}' '{}' --postings '{}' --candidates '{}' --top-k 10 --workers {} --out '{}' > '{}'", o.python,
                         o.peer, (dir / "postings.ndjson").string(), (dir / "candidates.ndjson").string(), workers,
                         (dir / "numpy_top.ndjson").string(), summary.string());
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("the NumPy peer failed: " + cmd);
  return boost::json::parse(slurp(summary)).as_object();
}

// Sources whose top-10 ids differ between the engine and the peer's output file.
std::size_t differing_lists(const std::vector<match::source_results>& ours, const fs::path& peer_file) {
  std::ifstream in{peer_file};
  std::size_t differing = 0, i = 0;
  for (std::string line; std::getline(in, line); ++i) {
    auto row = boost::json::parse(line).as_object();
    const auto& ids = row.at("results").as_array();
    bool same = i < ours.size() && ours[i].source == row.at("source").as_string() && ids.size() == ours[i].results.size();
    for (std::size_t k = 0; same && k < ids.size(); ++k)
      same = ids[k].as_string() == ours[i].results[k].id;
    differing += same ? 0 : 1;
  }
  return differing + (i == ours.size() ? 0 : ours.size());
}

std::vector<match::source_results> time_engine(const bench_options& o, const match::batch_matcher& kernel,
                                               unsigned threads, std::vector<sample>& samples) {
  match::query q;  // fit, direction candidate, top 10
  std::vector<match::source_results> results;
  for (int r = 0; r < o.repeats; ++r) {
    auto wall0 = std::chrono::steady_clock::now();
    auto cpu0 = cpu_seconds();
    results = kernel.run(q, threads);
    samples.push_back({std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(),
                       cpu_seconds() - cpu0});
    std::cerr << fmt::format("bench match: jobmesh run {}/{}: {:.3f} s\n", r + 1, o.repeats, samples.back().wall_s);
  }
  return results;
}

boost::json::object stats_json(const stats& s) {
  return {{"min", s.min}, {"median", s.median}, {"max", s.max}};
}

// Prints the table and writes the results file; fails (exit 1) when the lists differ.
int report(const bench_options& o, unsigned threads, const std::vector<sample>& ours, const std::vector<double>& peer_s,
           const boost::json::object& peer_info, std::size_t differing, double pairs) {
  std::vector<double> our_rate, cpu_share;
  boost::json::array raw;
  for (const auto& smp : ours) {
    our_rate.push_back(pairs / smp.wall_s);
    cpu_share.push_back(smp.cpu_s / (smp.wall_s * threads));
    raw.push_back({{"wall_s", smp.wall_s}, {"cpu_s", smp.cpu_s}});
  }
  std::vector<double> peer_rate;
  for (double t : peer_s)
    peer_rate.push_back(pairs / t);
  auto ours_stats = summarise(our_rate), peer_stats = summarise(peer_rate);
  double saturation = summarise(cpu_share).median;
  double ratio = ours_stats.median / peer_stats.median;
  std::cout << fmt::format(
      "machine   {} cores, {}\n"
      "versions  jobmesh {} (g++ {}), NumPy {} on Python {}\n"
      "workload  fit profile, top-10 for each of {} candidates over {} postings ({:.0f} pairs), seed {}\n"
      "jobmesh   {:8.1f} M pairs/s median (min {:.1f}, max {:.1f}) on {} threads = {:.1f} M pairs/s per core; CPU {:.0f}% busy{}\n"
      "numpy     {:8.1f} M pairs/s median (min {:.1f}, max {:.1f}) on {} worker processes\n"
      "ratio     {:.1f}x NumPy (medians)\n"
      "top-10    {}\n",
      std::thread::hardware_concurrency(), cpu_model(), JOBMESH_VERSION, __VERSION__,
      std::string{peer_info.at("numpy_version").as_string()}, std::string{peer_info.at("python_version").as_string()},
      o.candidates, o.postings, pairs, o.seed, ours_stats.median / 1e6, ours_stats.min / 1e6, ours_stats.max / 1e6, threads,
      ours_stats.median / 1e6 / threads, saturation * 100, saturation < 0.9 ? " (not saturated)" : "",
      peer_stats.median / 1e6, peer_stats.min / 1e6, peer_stats.max / 1e6, peer_info.at("workers").as_int64(), ratio,
      differing == 0 ? "identical for every candidate" : fmt::format("DIFFERENT for {} candidates", differing));
  boost::json::object result{
      {"suite", "match"},
      {"machine", {{"cores", std::thread::hardware_concurrency()}, {"cpu", cpu_model()}}},
      {"peers", {{"numpy", peer_info}}},
      {"workload", {{"profile", "fit"}, {"top_k", 10}, {"candidates", o.candidates}, {"postings", o.postings},
                    {"seed", o.seed}, {"pairs", pairs}}},
      {"samples", {{"jobmesh", raw}, {"numpy_compute_s", boost::json::value_from(peer_s)}}},
      {"summary", {{"jobmesh_pairs_per_s", stats_json(ours_stats)}, {"numpy_pairs_per_s", stats_json(peer_stats)},
                   {"threads", threads}, {"jobmesh_pairs_per_s_per_core", ours_stats.median / threads},
                   {"ratio", ratio}, {"cpu_busy", saturation}, {"differing_lists", differing}}},
  };
  std::ofstream{o.out} << boost::json::serialize(result) << '\n';
  std::cerr << "bench match: wrote " << o.out << '\n';
  return differing == 0 ? 0 : 1;
}

int run_bench(const bench_options& o) {
  auto threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  fs::path dir = o.work_dir;
  fs::create_directories(dir);
  fs::create_directories(fs::path{o.out}.parent_path());
  std::cerr << fmt::format("bench match: generating {} postings x {} candidates (seed {}) into {}\n", o.postings,
                           o.candidates, o.seed, dir.string());
  {
    std::ofstream p{dir / "postings.ndjson"}, c{dir / "candidates.ndjson"};
    match::generate({o.postings, o.candidates, o.seed}, p, c);
  }
  match::normaliser words;
  auto postings = match::prepare_all(match::read_postings(slurp(dir / "postings.ndjson")).records, words);
  auto candidates = match::prepare_all(match::read_candidates(slurp(dir / "candidates.ndjson")).records, words);
  match::batch_matcher kernel{postings, candidates};
  std::vector<sample> ours;
  auto results = time_engine(o, kernel, threads, ours);
  std::vector<double> peer_s;
  boost::json::object peer_info;
  for (int r = 0; r < o.peer_repeats; ++r) {
    peer_info = run_peer(o, dir, threads);
    peer_s.push_back(peer_info.at("compute_s").as_double());
    std::cerr << fmt::format("bench match: numpy run {}/{}: {:.3f} s\n", r + 1, o.peer_repeats, peer_s.back());
  }
  auto differing = differing_lists(results, dir / "numpy_top.ndjson");
  return report(o, threads, ours, peer_s, peer_info, differing, static_cast<double>(o.postings) * static_cast<double>(o.candidates));
}

}  // namespace

void add_bench_match_suite(CLI::App& bench, command_runner& chosen) {
  auto o = std::make_shared<bench_options>();
  auto* cmd = bench.add_subcommand("match", "fit profile, top-10 for every candidate, against NumPy");
  cmd->add_option("--candidates", o->candidates, "Candidates to generate (default 20000)");
  cmd->add_option("--postings", o->postings, "Postings to generate (default 20000)");
  cmd->add_option("--seed", o->seed, "Data seed");
  cmd->add_option("--repeats", o->repeats, "Timed runs of the engine")->check(CLI::Range(1, 100));
  cmd->add_option("--peer-repeats", o->peer_repeats, "Timed runs of the NumPy peer")->check(CLI::Range(1, 100));
  cmd->add_option("--threads", o->threads, "Threads for the engine and worker processes for the peer (default: cores)");
  cmd->add_option("--work-dir", o->work_dir, "Where the data and both outputs go");
  cmd->add_option("--out", o->out, "Results JSON");
  cmd->add_option("--peer", o->peer, "The NumPy peer script");
  cmd->add_option("--python", o->python, "Python with NumPy (Debian's)");
  cmd->callback([o, &chosen] { chosen = [o] { return run_bench(*o); }; });
}

}  // namespace jobmesh::app
