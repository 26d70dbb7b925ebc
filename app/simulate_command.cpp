// `jobmesh simulate`: a generated marketplace matched in iterations inside this process while
// generated activity arrives, with speed and match quality per iteration (app/simulation.hpp).
#include "app/cli.hpp"
#include "app/progress_bar.hpp"
#include "app/simulation.hpp"
#include "match/profile.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <iostream>
#include <limits>
#include <memory>

namespace jobmesh::app {

namespace {

struct simulate_options {
  simulation_options sim;
  std::string save_results;
};

void print_iteration(const iteration_report& r, const simulation_options& o) {
  std::cout << fmt::format(
      "iteration {}/{}: {} users x {} postings in {:.2f} s = {:.1f} M pairs/s; best score mean {:.1f}, p50 {:.1f}, "
      "p90 {:.1f}; coverage {:.1f}% ({} of {} users have a match >= {}); activity {} events ({} taken); "
      "proximity lists of {} postings: {} changed, {:.2f} new candidates per top-{} on average\n",
      r.iteration, o.iterations, r.users_matched, o.jobs, r.seconds, r.pairs_per_s / 1e6, r.best_mean, r.best_p50,
      r.best_p90, r.coverage * 100, r.covered, o.users, o.min_score, r.events_sent, r.events_taken, r.lists_compared,
      r.lists_changed, r.mean_new_entrants, 10);
}

void print_summary(const simulation_report& report) {
  if (report.iterations.empty())
    return;
  const auto& last = report.iterations.back();
  std::cout << fmt::format("\nbest score per user (iteration {}):\n", last.iteration);
  for (std::size_t i = 0; i < last.best_histogram.size(); ++i)
    std::cout << fmt::format("  {:>3}-{:<3} {:>8} users\n", 10 * i, 10 * i + 10, last.best_histogram[i]);
  if (last.users_without_match > 0)
    std::cout << fmt::format("  no match {:>7} users\n", last.users_without_match);
  std::cout << fmt::format("factor means over all {} results (profile {}):\n", last.results, report.options.profile);
  for (const auto& [name, mean] : last.factor_means)
    std::cout << fmt::format("  {:<13} {:.3f}\n", name, mean);
  std::cout << fmt::format("generated in {:.2f} s, loaded into the shards in {:.2f} s\n", report.generate_seconds,
                           report.load_seconds);
}

int run_simulate(const simulate_options& o) {
  std::unique_ptr<progress_bar> bar;
  std::string phase;
  auto progress = [&](const std::string& what, std::size_t done, std::size_t total) {
    if (what != phase) {
      if (bar)
        bar->finish();
      phase = what;
      bar = std::make_unique<progress_bar>(what, what.starts_with("iteration") ? "users" : "records");
    }
    bar->update(done, total);
  };
  try {
    auto report = run_simulation(o.sim, progress, [&](const iteration_report& r) {
      if (bar)
        bar->finish();
      bar.reset();
      phase.clear();
      print_iteration(r, o.sim);
    });
    print_summary(report);
    if (!o.save_results.empty()) {
      std::ofstream out{o.save_results, std::ios::binary};
      out << report_json(report);
      if (!out) {
        std::cerr << "jobmesh simulate: cannot write " << o.save_results << '\n';
        return 1;
      }
      std::cout << "results saved to " << o.save_results << '\n';
    }
  } catch (const std::exception& e) {
    if (bar)
      bar->finish();
    std::cerr << "jobmesh simulate: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

void add_simulate_command(CLI::App& root, command_runner& chosen) {
  auto o = std::make_shared<simulate_options>();
  auto* cmd = root.add_subcommand(
      "simulate", "Generate a marketplace, match every user in iterations while activity arrives, report speed and quality");
  const auto counts = CLI::Range(std::int64_t{1}, std::int64_t{10'000'000});
  auto& s = o->sim;
  cmd->add_option("--users", s.users, "Candidates to generate")->required()->check(counts);
  cmd->add_option("--jobs", s.jobs, "Postings to generate")->required()->check(counts);
  cmd->add_option("--iterations", s.iterations, "Rounds of matching every user")->required()->check(CLI::Range(1, 1000));
  cmd->add_option("--batch-size", s.batch_size, "Users per match request")->required()->check(CLI::Range(1, 100'000));
  cmd->add_option("--profile", s.profile, "Matching profile (fit or proximity)")
      ->check([](const std::string& name) {
        match::profile_set known;
        return known.find(name) ? std::string{}
                                : fmt::format("unknown profile '{}'; known: {}", name, fmt::join(known.names(), ", "));
      });
  cmd->add_option("--top-k", s.top_k, "Postings kept per user")->check(CLI::Range(1, 1000));
  cmd->add_option("--min-score", s.min_score, "Coverage counts users whose best match scores at least this")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--seed", s.seed, "Seed of the generated marketplace and activity")->check(CLI::Range(std::numeric_limits<std::int64_t>::max()));
  cmd->add_option("--events-per-iteration", s.events_per_iteration,
                  "Activity events sent during each iteration (default: one per user)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{100'000'000}));
  cmd->add_option("--sample-postings", s.sample_postings, "Postings whose proximity top-10 shows how rankings move")
      ->check(CLI::Range(0, 100'000));
  cmd->add_option("--save-results", o->save_results, "Write the report as JSON to this file");
  cmd->callback([o, &chosen] { chosen = [o] { return run_simulate(*o); }; });
}

}  // namespace jobmesh::app
