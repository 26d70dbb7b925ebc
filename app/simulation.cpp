#include "app/simulation.hpp"

#include "actors/engine.hpp"
#include "actors/job_json.hpp"
#include "app/node.hpp"
#include "match/generator.hpp"
#include "match/ndjson.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <caf/all.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace jobmesh::app {

namespace {

using clock_type = std::chrono::steady_clock;
using storage::record_kind;

constexpr auto k_ask_timeout = std::chrono::minutes(5);
constexpr std::size_t k_events_per_request = 500;
constexpr std::size_t k_sample_top = 10;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

struct generated {
  std::string postings, candidates;
  std::vector<std::string> user_ids, posting_ids;
};

template <class Records>
std::vector<std::string> ids_of(const Records& records) {
  std::vector<std::string> out;
  out.reserve(records.size());
  for (const auto& r : records)
    out.push_back(r.id);
  return out;
}

generated generate_marketplace(const simulation_options& o, const simulation_progress& progress) {
  std::ostringstream p, c;
  match::generate({o.jobs, o.users, o.seed}, p, c,
                  [&](std::size_t done, std::size_t total) { progress("generating", done, total); });
  generated out{p.str(), c.str(), {}, {}};
  out.user_ids = ids_of(match::read_candidates(out.candidates).records);
  out.posting_ids = ids_of(match::read_postings(out.postings).records);
  return out;
}

// Generated activity: one user in five makes four events in five; kinds as a marketplace sees
// them (logins and views most, applications less, reviews least), all happening now.
class activity_source {
public:
  activity_source(const generated& data, std::uint64_t seed) : data_(data), rng_(seed) {
    active_ = data.user_ids;
    std::shuffle(active_.begin(), active_.end(), rng_);
    active_.resize(std::max<std::size_t>(1, active_.size() / 5));
  }

  std::vector<storage::activity_row> next(std::size_t n, std::int64_t now) {
    std::vector<storage::activity_row> out;
    std::uniform_real_distribution<double> unit{0, 1};
    auto pick = [&](const std::vector<std::string>& from) {
      return from[std::uniform_int_distribution<std::size_t>{0, from.size() - 1}(rng_)];
    };
    for (std::size_t i = 0; i < n; ++i) {
      storage::activity_row row;
      row.candidate_id = unit(rng_) < 0.8 ? pick(active_) : pick(data_.user_ids);
      row.at = row.received_at = now;
      auto k = unit(rng_);
      if (k < 0.30) {
        row.kind = "login";
      } else if (k < 0.65) {
        row.kind = "view";
        row.posting_id = pick(data_.posting_ids);
      } else if (k < 0.80) {
        row.kind = "apply";
        row.posting_id = pick(data_.posting_ids);
      } else if (k < 0.95) {
        row.kind = "session_end";
        row.value = std::uniform_int_distribution<int>{60, 3600}(rng_);
      } else {
        row.kind = "review";
        row.posting_id = pick(data_.posting_ids);
        row.value = std::uniform_int_distribution<int>{1, 5}(rng_);
      }
      out.push_back(std::move(row));
    }
    return out;
  }

private:
  const generated& data_;
  std::mt19937_64 rng_;
  std::vector<std::string> active_;
};

// Sends `rows` to the activity tracker; how many it took.
std::size_t send_activity(caf::actor_system& sys, const actors::engine& e, std::vector<storage::activity_row> rows) {
  std::vector<std::int64_t> lines(rows.size());
  for (std::size_t i = 0; i < lines.size(); ++i)
    lines[i] = static_cast<std::int64_t>(i + 1);
  caf::scoped_actor self{sys};
  std::size_t taken = 0;
  std::string problem;
  self->request(e.activity, k_ask_timeout, actors::activity_atom::value, std::move(rows), std::move(lines))
      .receive([&](actors::ingest_reply& r) { taken = static_cast<std::size_t>(r.accepted); },
               [&](caf::error& err) { problem = caf::to_string(err); });
  if (!problem.empty())
    throw std::runtime_error("activity: " + problem);
  return taken;
}

// Where matching stands, shared by its workers, the activity sender and the progress reporter.
struct shared_progress {
  std::mutex m;
  std::condition_variable changed;
  std::size_t users_done = 0;
  bool finished = false;
  std::string error;
};

// Every user's best postings, in concurrent batches through the marketplace's shards.
std::vector<std::optional<actors::match_reply>> match_all(caf::actor_system& sys, const actors::engine& e,
                                                          const std::vector<std::string>& users,
                                                          const simulation_options& o, shared_progress& shared) {
  std::vector<std::optional<actors::match_reply>> out(users.size());
  actors::match_options options;
  options.profile = o.profile;
  options.top_k = static_cast<int>(o.top_k);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    caf::scoped_actor self{sys};
    for (;;) {
      auto first = next.fetch_add(o.batch_size);
      if (first >= users.size())
        return;
      auto last = std::min(users.size(), first + o.batch_size);
      std::vector<std::string> ids(users.begin() + static_cast<std::ptrdiff_t>(first),
                                   users.begin() + static_cast<std::ptrdiff_t>(last));
      std::string problem;
      self->request(e.marketplace, k_ask_timeout, actors::match_atom::value, record_kind::candidate, ids, options)
          .receive(
              [&](actors::match_batch& replies) {
                for (std::size_t k = 0; k < replies.size(); ++k)
                  out[first + k] = std::move(replies[k]);
              },
              [&](caf::error& err) { problem = caf::to_string(err); });
      std::lock_guard lock{shared.m};
      if (!problem.empty() && shared.error.empty())
        shared.error = "matching: " + problem;
      shared.users_done += last - first;
      shared.changed.notify_all();
      if (!shared.error.empty())
        return;
    }
  };
  auto n = o.concurrency > 0 ? o.concurrency : std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < n; ++i)
    workers.emplace_back(worker);
  for (auto& w : workers)
    w.join();
  return out;
}

// The top-10 candidates of each sampled posting under `proximity`, as id lists.
std::vector<std::vector<std::string>> proximity_lists(caf::actor_system& sys, const actors::engine& e,
                                                      const std::vector<std::string>& sample) {
  std::vector<std::vector<std::string>> out(sample.size());
  if (sample.empty())
    return out;
  actors::match_options options;
  options.profile = "proximity";
  options.top_k = static_cast<int>(k_sample_top);
  caf::scoped_actor self{sys};
  std::string problem;
  self->request(e.marketplace, k_ask_timeout, actors::match_atom::value, record_kind::posting, sample, options)
      .receive(
          [&](actors::match_batch& replies) {
            for (std::size_t i = 0; i < replies.size(); ++i)
              if (replies[i])
                for (const auto& m : replies[i]->results)
                  out[i].push_back(m.result.id);
          },
          [&](caf::error& err) { problem = caf::to_string(err); });
  if (!problem.empty())
    throw std::runtime_error("proximity sample: " + problem);
  return out;
}

void summarise(const std::vector<std::optional<actors::match_reply>>& replies, const simulation_options& o,
               iteration_report& r) {
  std::vector<double> best;
  std::map<std::string, double> sums;
  for (const auto& reply : replies) {
    if (!reply)
      continue;
    ++r.users_matched;
    r.results += reply->results.size();
    if (reply->results.empty()) {
      ++r.users_without_match;
      continue;
    }
    auto top = reply->results.front().result.score;
    best.push_back(top);
    ++r.best_histogram[std::min<std::size_t>(9, static_cast<std::size_t>(std::max(0.0, top) / 10))];
    if (top >= o.min_score)
      ++r.covered;
    for (const auto& m : reply->results)
      for (auto f : reply->factors)
        sums[std::string{match::to_string(f)}] += m.result.factors[static_cast<std::size_t>(f)];
  }
  r.coverage = replies.empty() ? 0 : static_cast<double>(r.covered) / static_cast<double>(replies.size());
  for (const auto& [name, sum] : sums)
    r.factor_means[name] = r.results > 0 ? sum / static_cast<double>(r.results) : 0;
  if (best.empty())
    return;
  std::sort(best.begin(), best.end());
  double total = 0;
  for (auto b : best)
    total += b;
  r.best_mean = total / static_cast<double>(best.size());
  auto at = [&](double q) { return best[std::min(best.size() - 1, static_cast<std::size_t>(q * static_cast<double>(best.size())))]; };
  r.best_p50 = at(0.5);
  r.best_p90 = at(0.9);
}

void compare_lists(const std::vector<std::vector<std::string>>& before, const std::vector<std::vector<std::string>>& after,
                   iteration_report& r) {
  std::size_t entrants = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    ++r.lists_compared;
    if (before[i] != after[i])
      ++r.lists_changed;
    std::set<std::string> old{before[i].begin(), before[i].end()};
    for (const auto& id : after[i])
      entrants += old.count(id) == 0 ? 1 : 0;
  }
  r.mean_new_entrants = r.lists_compared > 0 ? static_cast<double>(entrants) / static_cast<double>(r.lists_compared) : 0;
}

// One iteration: match every user while the iteration's activity arrives, paced with the
// matching so it lands throughout; then the proximity sample again.
iteration_report run_iteration(node& n, const generated& data, const simulation_options& o, std::size_t number,
                               activity_source& activity, const std::vector<std::string>& sample,
                               std::vector<std::vector<std::string>>& lists, const simulation_progress& progress) {
  iteration_report r;
  r.iteration = number;
  auto& sys = n.system();
  const auto& e = n.engine();
  auto events = o.events_per_iteration > 0 ? o.events_per_iteration : o.users;
  shared_progress shared;
  std::atomic<std::size_t> sent{0}, taken{0};
  std::string activity_error;
  std::thread sender{[&] {
    try {
      while (sent < events) {
        {
          // Paced: at most the share of events that the share of users matched allows.
          std::unique_lock lock{shared.m};
          shared.changed.wait(lock, [&] {
            return shared.finished || !shared.error.empty() ||
                   sent * o.users < events * shared.users_done + k_events_per_request * o.users;
          });
          if (!shared.error.empty())
            return;
        }
        auto chunk = std::min(k_events_per_request, events - sent);
        taken += send_activity(sys, e, activity.next(chunk, actors::now_ms()));
        sent += chunk;
      }
    } catch (const std::exception& ex) {
      activity_error = ex.what();
    }
  }};
  auto started = clock_type::now();
  std::vector<std::optional<actors::match_reply>> replies;
  std::thread matcher{[&] {
    replies = match_all(sys, e, data.user_ids, o, shared);
    std::lock_guard lock{shared.m};
    shared.finished = true;
    shared.changed.notify_all();
  }};
  {
    std::unique_lock lock{shared.m};
    auto label = fmt::format("iteration {}/{}", number, o.iterations);
    while (!shared.finished) {
      progress(label, shared.users_done, o.users);
      shared.changed.wait_for(lock, std::chrono::milliseconds(100));
    }
    progress(label, shared.users_done, o.users);
  }
  matcher.join();
  r.seconds = seconds_since(started);
  sender.join();
  if (!shared.error.empty())
    throw std::runtime_error(shared.error);
  if (!activity_error.empty())
    throw std::runtime_error(activity_error);
  r.pairs_per_s = static_cast<double>(o.users) * static_cast<double>(o.jobs) / std::max(r.seconds, 1e-9);
  r.events_sent = sent;
  r.events_taken = taken;
  summarise(replies, o, r);
  auto now_lists = proximity_lists(sys, e, sample);
  compare_lists(lists, now_lists, r);
  lists = std::move(now_lists);
  return r;
}

boost::json::object iteration_json(const iteration_report& r) {
  boost::json::object factors;
  for (const auto& [name, mean] : r.factor_means)
    factors[name] = mean;
  boost::json::array histogram;
  for (std::size_t i = 0; i < r.best_histogram.size(); ++i)
    histogram.push_back({{"from", 10 * i}, {"to", 10 * i + 10}, {"users", r.best_histogram[i]}});
  return {{"iteration", r.iteration},
          {"seconds", r.seconds},
          {"pairs_per_s", r.pairs_per_s},
          {"users_matched", r.users_matched},
          {"results", r.results},
          {"users_without_match", r.users_without_match},
          {"best_score", {{"mean", r.best_mean}, {"p50", r.best_p50}, {"p90", r.best_p90}, {"histogram", histogram}}},
          {"coverage", {{"covered", r.covered}, {"share", r.coverage}}},
          {"factor_means", std::move(factors)},
          {"activity", {{"sent", r.events_sent}, {"taken", r.events_taken}}},
          {"proximity_movement",
           {{"lists_compared", r.lists_compared},
            {"lists_changed", r.lists_changed},
            {"mean_new_entrants", r.mean_new_entrants}}}};
}

}  // namespace

simulation_report run_simulation(const simulation_options& o, const simulation_progress& progress,
                                 const std::function<void(const iteration_report&)>& on_iteration) {
  simulation_report report;
  report.options = o;
  auto started = clock_type::now();
  auto data = generate_marketplace(o, progress);
  report.generate_seconds = seconds_since(started);

  auto dir = o.work_dir.empty()
                 ? std::filesystem::temp_directory_path() / fmt::format("jobmesh-simulate-{}", ::getpid())
                 : std::filesystem::path{o.work_dir};
  std::filesystem::create_directories(dir);
  struct remove_after {
    std::filesystem::path dir;
    bool owned;
    ~remove_after() {
      std::error_code ignored;
      if (owned)
        std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{dir, o.work_dir.empty()};
  config::settings settings;
  settings.server.port = 0;
  settings.log.level = "warn";
  settings.storage.db = "sqlite:" + (dir / "simulate.db").string();
  std::filesystem::remove(dir / "simulate.db");
  setup_logging(settings.log.level);  // the engine's own lines would bury the report
  node n{settings};
  n.start();
  started = clock_type::now();
  n.ingest(record_kind::posting, data.postings, [&](std::size_t done) { progress("loading postings", done, o.jobs); });
  n.ingest(record_kind::candidate, data.candidates,
           [&](std::size_t done) { progress("loading users", done, o.users); });
  report.load_seconds = seconds_since(started);

  std::vector<std::string> sample;
  auto step = std::max<std::size_t>(1, data.posting_ids.size() / std::max<std::size_t>(1, o.sample_postings));
  for (std::size_t i = 0; i < data.posting_ids.size() && sample.size() < o.sample_postings; i += step)
    sample.push_back(data.posting_ids[i]);
  auto lists = proximity_lists(n.system(), n.engine(), sample);
  activity_source activity{data, o.seed + 1};
  for (std::size_t i = 1; i <= o.iterations; ++i) {
    report.iterations.push_back(run_iteration(n, data, o, i, activity, sample, lists, progress));
    on_iteration(report.iterations.back());
  }
  n.stop();
  return report;
}

std::string report_json(const simulation_report& report) {
  const auto& o = report.options;
  boost::json::array iterations;
  for (const auto& r : report.iterations)
    iterations.push_back(iteration_json(r));
  boost::json::object doc{
      {"options",
       {{"users", o.users},
        {"jobs", o.jobs},
        {"iterations", o.iterations},
        {"batch_size", o.batch_size},
        {"profile", o.profile},
        {"top_k", o.top_k},
        {"min_score", o.min_score},
        {"seed", o.seed},
        {"events_per_iteration", o.events_per_iteration > 0 ? o.events_per_iteration : o.users},
        {"sample_postings", o.sample_postings}}},
      {"machine", {{"cores", std::thread::hardware_concurrency()}}},
      {"generate_seconds", report.generate_seconds},
      {"load_seconds", report.load_seconds},
      {"iterations", std::move(iterations)}};
  return actors::json_text(doc) + "\n";
}

}  // namespace jobmesh::app
