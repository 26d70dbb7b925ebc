#include "bench/harness.hpp"

#include "app/allocator.hpp"
#include "app/progress_bar.hpp"
#include "match/generator.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace jobmesh::bench {

namespace {

std::string cpu_model() {
  std::ifstream in{"/proc/cpuinfo"};
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("model name") && line.find(':') != std::string::npos)
      return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string load_average() {
  std::ifstream in{"/proc/loadavg"};
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return in ? one + " " + five + " " + fifteen : "unknown";
}

std::string read_all(int fd) {
  std::string out;
  char chunk[8192];
  for (ssize_t n; (n = ::read(fd, chunk, sizeof chunk)) != 0;) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  return out;
}

// GB/s at which this process gets fresh memory: 256 MiB mapped, one byte written per page, the
// way a load's new records and columns first touch theirs. On a virtual machine whose host backs
// memory only when the guest first writes it (and takes freed pages back within seconds), this
// is ~1 GB/s where it is ~10 on the same machine's reused pages: a load's time then moves with
// the bytes it allocates, and from run to run with what the host still held.
double fresh_memory_gb_per_s() {
  constexpr std::size_t k_bytes = std::size_t{256} << 20;
  void* p = ::mmap(nullptr, k_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return 0;
  (void)::madvise(p, k_bytes, MADV_HUGEPAGE);  // as the server's allocator asks (thp:always)
  auto* bytes = static_cast<volatile char*>(p);
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < k_bytes; i += 4096)
    bytes[i] = 1;
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  ::munmap(p, k_bytes);
  return static_cast<double>(k_bytes) / 1e9 / std::max(took.count(), 1e-9);
}

// Reads the clock until `seconds` have passed, tallying the gaps between readings.
pause_tally watch_the_clock(double seconds) {
  using clock = std::chrono::steady_clock;
  pause_tally tally;
  const auto start = clock::now();
  const auto end = start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
  auto last = start;
  for (auto now = clock::now(); now < end; now = clock::now()) {
    tally.add_gap(std::chrono::duration<double>(now - last).count());  // a pause only past the threshold
    last = now;
  }
  tally.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return tally;
}

}  // namespace

void pause_tally::add_gap(double gap_s) {
  if (gap_s < k_threshold_s)
    return;
  over_1ms += gap_s >= 1e-3 ? 1 : 0;
  over_2ms += gap_s >= 2e-3 ? 1 : 0;
  over_5ms += gap_s >= 5e-3 ? 1 : 0;
  longest_s = std::max(longest_s, gap_s);
  lost_s += gap_s;
}

void pause_tally::merge(const pause_tally& other) {
  seconds += other.seconds;
  over_1ms += other.over_1ms;
  over_2ms += other.over_2ms;
  over_5ms += other.over_5ms;
  longest_s = std::max(longest_s, other.longest_s);
  lost_s += other.lost_s;
}

pause_tally machine_pauses(double seconds) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &allowed))
        cpus.push_back(cpu);
  }
  if (cpus.empty())
    cpus.push_back(-1);  // unknown: one unpinned thread
  std::vector<pause_tally> tallies(cpus.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < cpus.size(); ++i)
    threads.emplace_back([&, i] {
      if (cpus[i] >= 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpus[i], &one);
        (void)::pthread_setaffinity_np(::pthread_self(), sizeof one, &one);  // unpinned if refused
      }
      tallies[i] = watch_the_clock(seconds);
    });
  pause_tally all;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    threads[i].join();
    all.merge(tallies[i]);
  }
  return all;
}

boost::json::object to_json(const pause_tally& t) {
  auto per_s = [&](std::size_t n) { return t.seconds > 0 ? std::round(static_cast<double>(n) / t.seconds * 100) / 100 : 0.0; };
  return {{"core_seconds_watched", std::round(t.seconds * 100) / 100},
          {"over_1ms_per_s", per_s(t.over_1ms)},
          {"over_2ms_per_s", per_s(t.over_2ms)},
          {"over_5ms_per_s", per_s(t.over_5ms)},
          {"longest_ms", std::round(t.longest_s * 1e5) / 100},
          {"lost_percent", t.seconds > 0 ? std::round(t.lost_s / t.seconds * 1e4) / 100 : 0.0}};
}

boost::json::object machine() {
  return {{"cores", std::thread::hardware_concurrency()},
          {"cpu", cpu_model()},
          {"load_average_before", load_average()},
          {"fresh_memory_gb_per_s", std::round(fresh_memory_gb_per_s() * 100) / 100},
          {"pauses", to_json(machine_pauses(2.0))},
          {"jobmesh_version", JOBMESH_VERSION},
          {"compiler", "g++ " __VERSION__},
          {"allocator", app::allocator_description()}};
}

double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

spread summarise(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  auto n = samples.size();
  double median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  return {samples.front(), median, samples.back()};
}

boost::json::object to_json(const spread& s) {
  return {{"min", s.min}, {"median", s.median}, {"max", s.max}};
}

child_result run_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));  // posix_spawn's signature, not a write
  args.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0)
    return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  pid_t pid = -1;
  int spawned = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  child_result result;
  if (spawned == 0)
    result.out = read_all(pipe_fds[0]);
  ::close(pipe_fds[0]);
  int status = 0;
  if (spawned == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  return result;
}

std::filesystem::path find_in_checkout(const std::filesystem::path& relative) {
  namespace fs = std::filesystem;
  if (relative.is_absolute() || fs::exists(relative))
    return relative;
  std::error_code ec;
  auto dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (int up = 0; !ec && up < 5 && !dir.empty(); ++up, dir = dir.parent_path())
    if (fs::exists(dir / relative))
      return dir / relative;
  return relative;
}

boost::json::object to_json(const report_table& r) {
  boost::json::array columns(r.columns.begin(), r.columns.end()), rows, notes(r.notes.begin(), r.notes.end());
  for (const auto& row : r.rows)
    rows.push_back(boost::json::array(row.begin(), row.end()));
  return {{"title", r.title}, {"command", r.command}, {"columns", std::move(columns)},
          {"rows", std::move(rows)}, {"verdict", r.verdict}, {"notes", std::move(notes)}};
}

void print(const report_table& r) {
  std::vector<std::size_t> width(r.columns.size());
  for (std::size_t c = 0; c < r.columns.size(); ++c) {
    width[c] = r.columns[c].size();
    for (const auto& row : r.rows)
      if (c < row.size())
        width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < width.size(); ++c) {
      const auto& cell = c < cells.size() ? cells[c] : std::string{};
      auto pad = std::string(width[c] - std::min(width[c], cell.size()), ' ');
      out += c == 0 ? cell + pad : "  " + pad + cell;
    }
    std::cout << out << '\n';
  };
  std::cout << '\n' << r.title << '\n';
  line(r.columns);
  for (const auto& row : r.rows)
    line(row);
  std::cout << '\n' << r.verdict << '\n';
  for (const auto& note : r.notes)
    std::cout << note << '\n';
}

void write_results(const std::filesystem::path& path, const boost::json::object& results) {
  if (path.has_parent_path())
    std::filesystem::create_directories(path.parent_path());
  std::ofstream out{path};
  out << boost::json::serialize(results) << '\n';
  if (!out.flush())
    throw std::runtime_error("cannot write " + path.string());
  std::cerr << "bench: wrote " << path.string() << '\n';
}

std::string grouped(double value) {
  auto digits = std::to_string(static_cast<long long>(std::llround(value)));
  auto first = digits.starts_with('-') ? 1u : 0u;
  for (auto at = digits.size(); at > first + 3; at -= 3)
    digits.insert(at - 3, ",");
  return digits;
}

double sorted_percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double percentile(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  return sorted_percentile(samples, p);
}

double sum_metric(std::string_view text, std::string_view name, const std::vector<std::string_view>& labels) {
  double sum = 0;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    auto line = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? text.size() : end + 1;
    if (!line.starts_with(name) || line.size() <= name.size() || (line[name.size()] != '{' && line[name.size()] != ' '))
      continue;
    auto value_at = line.rfind(' ');
    auto label_text = line.substr(name.size(), value_at - name.size());
    if (std::all_of(labels.begin(), labels.end(),
                    [&](std::string_view l) { return label_text.find(l) != std::string_view::npos; }))
      sum += std::strtod(std::string{line.substr(value_at + 1)}.c_str(), nullptr);
  }
  return sum;
}

std::int64_t iso_time_ms(std::string_view t) {
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    auto [end, ec] = std::from_chars(t.data() + at, t.data() + at + len, v);
    if (ec != std::errc{} || end != t.data() + at + len)
      throw std::runtime_error("not a time: " + std::string{t});
    return v;
  };
  if (t.size() != 24 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != '.' ||
      t[23] != 'Z')
    throw std::runtime_error("not a time: " + std::string{t});
  int y = num(0, 4), m = num(5, 2), d = num(8, 2), hh = num(11, 2), mm = num(14, 2), ss = num(17, 2);
  if (m < 1 || m > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 59)
    throw std::runtime_error("not a time: " + std::string{t});
  // Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
  return ((days * 24 + hh) * 60 + mm) * 60'000 + ss * 1000 + num(20, 3);
}

void remove_database(const std::filesystem::path& db) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(db.string() + suffix);
}

void add_run_options(CLI::App& cmd, int& repeats, const std::string& repeats_help, std::string& work_dir,
                     const std::string& work_dir_help, std::string& out) {
  cmd.add_option("--repeats", repeats, repeats_help)->capture_default_str()->check(CLI::Range(1, 100));
  cmd.add_option("--work-dir", work_dir, work_dir_help)->capture_default_str();
  cmd.add_option("--out", out, "Results JSON")->capture_default_str();
}

void add_window_options(CLI::App& cmd, double& duration_s, double& warm_up_s) {
  cmd.add_option("--duration", duration_s, "Seconds measured per window")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 600.0));
  cmd.add_option("--warm-up", warm_up_s, "Seconds of load before each window")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
}

void generate_files(const std::filesystem::path& dir, std::size_t postings, std::size_t candidates,
                    std::uint64_t seed) {
  std::ofstream p{dir / "postings.ndjson", std::ios::binary}, c{dir / "candidates.ndjson", std::ios::binary};
  app::progress_bar bar{"generating", "records"};
  match::generate({postings, candidates, seed}, p, c, [&](std::size_t d, std::size_t t) { bar.update(d, t); });
  bar.finish();
  if (!p.flush() || !c.flush())
    throw std::runtime_error("cannot write the data into " + dir.string());
  p.close();
  c.close();
  // On disk before anything is timed: otherwise the kernel writes the files back (hundreds of
  // MB for a million records) while the load that follows is measured, and takes CPU from it.
  for (const auto* name : {"postings.ndjson", "candidates.ndjson"}) {
    int fd = ::open((dir / name).c_str(), O_RDONLY | O_CLOEXEC);
    bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0)
      ::close(fd);
    if (!synced)
      throw std::runtime_error("cannot write the data into " + (dir / name).string() + " (fsync failed)");
  }
}

}  // namespace jobmesh::bench
