#pragma once
/// What every `jobmesh bench` suite needs besides its workload (../shared/BENCH.md): the
/// machine it ran on, CPU and wall clocks, min/median/max over repeats, and a peer run as a
/// child process with its stdout captured. Suites are siblings (`app/bench_<suite>.cpp`) that
/// use these; none of them is shared state.

#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace jobmesh::app::bench {

/// Cores, CPU model (from /proc/cpuinfo), load average before the run, and this build's
/// versions (jobmesh, the compiler's __VERSION__), as a JSON object.
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

/// Writes `dir`/postings.ndjson and `dir`/candidates.ndjson as `jobmesh generate` does, with a
/// progress bar; throws when the files cannot be written.
void generate_files(const std::filesystem::path& dir, std::size_t postings, std::size_t candidates,
                    std::uint64_t seed);

}  // namespace jobmesh::app::bench
