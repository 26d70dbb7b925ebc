#pragma once
/// `jobmesh simulate` (API.md "Command line", issue 10): a generated marketplace loaded into an
/// engine in this process, then iterations of matching every user (candidate) through the
/// matcher shards in concurrent batches while generated activity arrives, each reported with
/// its speed and the quality of its matches.
///
/// Per iteration: the time to match every user, pairs/s (users x postings over that time: the
/// exhaustive work the pruned kernel stands for), the distribution of each user's best score
/// (ten buckets of 10 points), its mean, p50 and p90, coverage (the share of users whose best
/// match scores at least `min_score`), the mean of every factor the profile weighs over all
/// results, the activity sent and taken, and how rankings moved: a sample of postings'
/// top-10 candidates under `proximity` (where activity, rating and track record weigh) compared
/// with the sample before that iteration's activity. A candidate's own standing does not
/// reorder their list of postings (it is the same for each), so movement is measured from the
/// postings' side.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace jobmesh::app {

struct simulation_options {
  std::size_t users = 1000;
  std::size_t jobs = 1000;       ///< postings (the command line's word: `--jobs`)
  std::size_t iterations = 3;
  std::size_t batch_size = 500;  ///< users per match request
  std::string profile = "fit";
  std::size_t top_k = 10;
  double min_score = 60;
  std::uint64_t seed = 1;
  std::size_t events_per_iteration = 0;  ///< activity events per iteration; 0 = one per user
  std::size_t sample_postings = 100;     ///< postings whose proximity lists are compared
  std::size_t concurrency = 0;           ///< match requests in flight; 0 = one per core, at least 2
  std::string work_dir;                  ///< where the engine's SQLite file lives (removed after)
};

struct iteration_report {
  std::size_t iteration = 0;  ///< from 1
  double seconds = 0;
  double pairs_per_s = 0;
  std::size_t users_matched = 0;
  std::size_t results = 0;                      ///< over all users
  std::array<std::size_t, 10> best_histogram{};  ///< users whose best score is in [10i, 10i+10)
  std::size_t users_without_match = 0;           ///< no result at all
  double best_mean = 0, best_p50 = 0, best_p90 = 0;
  std::size_t covered = 0;  ///< users with a best score >= min_score
  double coverage = 0;      ///< covered / users
  std::map<std::string, double> factor_means;
  std::size_t events_sent = 0, events_taken = 0;
  std::size_t lists_compared = 0, lists_changed = 0;
  double mean_new_entrants = 0;  ///< candidates new to a compared top-10, on average
};

struct simulation_report {
  simulation_options options;
  double generate_seconds = 0;
  double load_seconds = 0;
  std::vector<iteration_report> iterations;
};

/// What the simulation reports as it goes: a phase, units done of total.
using simulation_progress = std::function<void(const std::string& phase, std::size_t done, std::size_t total)>;

/// Runs the simulation; throws std::runtime_error naming what failed.
simulation_report run_simulation(const simulation_options& options, const simulation_progress& progress,
                                 const std::function<void(const iteration_report&)>& on_iteration);

/// The report as JSON text (`--save-results`).
std::string report_json(const simulation_report& report);

}  // namespace jobmesh::app
