#pragma once
/// What every `jobmesh bench` suite needs besides its workload (../shared/BENCH.md): the
/// machine it ran on, CPU and wall clocks, min/median/max over repeats, and a peer run as a
/// child process with its stdout captured. Suites are siblings (`bench/<suite>_suite.cpp`) that
/// use these; none of them is shared state.

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace jobmesh::bench {

/// The pauses threads saw that did nothing but read the clock: each gap between two readings
/// of at least `k_threshold_s` is one (the core ran something else, or the virtual machine's
/// vCPU did not run at all). Adds up the gaps of any number of threads.
struct pause_tally {
  static constexpr double k_threshold_s = 0.5e-3;
  double seconds = 0;  ///< thread-seconds watched
  std::size_t over_1ms = 0, over_2ms = 0, over_5ms = 0;
  double longest_s = 0;
  double lost_s = 0;  ///< the pauses' sum

  void add_gap(double gap_s);
  /// Adds another thread's tally.
  void merge(const pause_tally& other);
};

/// A thread on each core this process may use, pinned to it, reading the clock for `seconds`:
/// what the machine takes from a program that is never waiting for anything. Meant to run on
/// an idle machine (it keeps every core busy meanwhile).
pause_tally machine_pauses(double seconds);

/// `tally` as JSON: pauses of >= 1, 2 and 5 ms per second of one core, the longest in ms, the
/// share of the time lost to them.
boost::json::object to_json(const pause_tally& tally);

/// Cores, CPU model (from /proc/cpuinfo), load average before the run, the rate at which the
/// machine gives fresh memory (GB/s, first writes to 256 MiB newly mapped; ~0.3 s), the pauses
/// of its cores (machine_pauses over 2 s), and this build's versions (jobmesh, the compiler's
/// __VERSION__), as a JSON object.
boost::json::object machine();

/// CPU seconds this process has used so far, every thread counted.
double process_cpu_seconds();

/// Seconds on a monotonic clock since an arbitrary start.
double wall_seconds();

struct spread {
  double min = 0, median = 0, max = 0;
};

/// min/median/max of `samples` (not empty); the median of an even count is the mean of the
/// two middle samples.
spread summarise(std::vector<double> samples);

boost::json::object to_json(const spread& s);

/// How many problems (errors, bad statuses, refusals, as text) a load generator keeps to say
/// what went wrong: the first few, however many there were (each is also counted).
constexpr std::size_t k_problems_kept = 5;

/// Appends `problem` to `kept` unless it holds k_problems_kept already.
inline void keep_problem(std::vector<std::string>& kept, std::string problem) {
  if (kept.size() < k_problems_kept)
    kept.push_back(std::move(problem));
}

struct child_result {
  int exit_code = -1;   ///< -1 when it could not be started or did not exit normally
  std::string out;      ///< everything it wrote on stdout (stderr passes through)
};

/// Runs `argv` (argv[0] is a path, not looked up in PATH) and waits for it; no shell, so no
/// quoting problems with paths.
child_result run_child(const std::vector<std::string>& argv);

/// `relative` as given when it exists from the working directory; otherwise the first match
/// under the folders above the running binary (build/<dir>/bin/jobmesh sits three below the
/// checkout); otherwise `relative` unchanged, for the caller's error message.
std::filesystem::path find_in_checkout(const std::filesystem::path& relative);

/// What the README's performance section shows of a suite (scripts/bench-report.py renders the
/// `report` object of bench/results/<suite>.json): a table of every system's figures, the
/// verdict against BENCH.md's target, notes, and the command that reproduces it.
struct report_table {
  std::string title;    ///< the workload, one line
  std::string command;  ///< reproduces the figures, e.g. "scripts/bench.sh submit"
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string verdict;  ///< "0.74x graphile-worker's jobs/s (target >= 5x): not met"
  std::vector<std::string> notes;
};

boost::json::object to_json(const report_table& r);

/// The table on stdout: the title, aligned columns (the first left, the rest right), the
/// verdict and the notes.
void print(const report_table& r);

/// Writes `results` (one JSON document) to `path`, creating its folder, and says so on stderr
/// with the suite's name; throws when it cannot be written.
void write_results(const std::filesystem::path& path, const boost::json::object& results);

/// `value` with thousands separators and no decimals: 22781.2 -> "22,781".
std::string grouped(double value);

/// The `p`-quantile (0..1) of `sorted` (ascending) by rank: the smallest sample with at least
/// p of them at or below it; 0 for none.
double sorted_percentile(const std::vector<double>& sorted, double p);
/// The same of samples in any order.
double percentile(std::vector<double> samples, double p);

/// The sum of the samples of the Prometheus metric `name` in `text` (the text format) whose
/// labels contain every one of `labels` (each as written, e.g. `type="noop"`).
double sum_metric(std::string_view text, std::string_view name, const std::vector<std::string_view>& labels = {});

/// "2026-12-03T04:41:54.106Z" (as jobmesh writes times) -> milliseconds since the epoch (UTC);
/// throws std::runtime_error for anything else.
std::int64_t iso_time_ms(std::string_view text);

/// Removes the SQLite database `db` and its -wal, -shm and -journal files: a run starts afresh.
void remove_database(const std::filesystem::path& db);

/// The options of every suite: `--repeats` (1..100, `repeats_help` says what one is),
/// `--work-dir` (`work_dir_help` says what goes there) and `--out` (the results JSON).
void add_run_options(CLI::App& cmd, int& repeats, const std::string& repeats_help, std::string& work_dir,
                     const std::string& work_dir_help, std::string& out);

/// `--duration` and `--warm-up` of a measured window, in seconds.
void add_window_options(CLI::App& cmd, double& duration_s, double& warm_up_s);

/// Writes `dir`/postings.ndjson and `dir`/candidates.ndjson as `jobmesh generate` does, with a
/// progress bar; throws when the files cannot be written.
void generate_files(const std::filesystem::path& dir, std::size_t postings, std::size_t candidates,
                    std::uint64_t seed);

}  // namespace jobmesh::bench
