#pragma once
// A real engine over a temporary SQLite file, driven from a scoped actor. Waits are bounded
// receives: nothing sleeps for a fixed time.

#include "actors/engine.hpp"
#include "actors/job_json.hpp"
#include "actors/errors.hpp"
#include "storage/database.hpp"

#include <boost/json/parse.hpp>
#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace jobmesh::testing {

/// One hub frame, parsed.
struct event {
  std::string topic;
  std::uint64_t seq = 0;
  std::string type;
  boost::json::object data;
};

class engine_fixture : public ::testing::Test {
protected:
  static constexpr std::chrono::seconds k_wait{20};

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("jobmesh_engine_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    settings_.storage.db = "sqlite:" + (dir_ / "engine.db").string();
    settings_.jobs.workers = 4;
    settings_.jobs.progress_flush_ms = 20;
    settings_.jobs.retry_base_ms = 10;
    settings_.jobs.retry_max_ms = 40;
  }

  void TearDown() override {
    stop();
    std::filesystem::remove_all(dir_);
  }

  void start(std::shared_ptr<const actors::job_type_registry> types = nullptr) {
    cfg_ = std::make_unique<caf::actor_system_config>();
    actors::add_message_types(*cfg_);
    sys_ = std::make_unique<caf::actor_system>(*cfg_);
    std::shared_ptr<soci::session> w = storage::open_and_migrate(settings_.storage.db);
    std::shared_ptr<soci::session> r = storage::open(settings_.storage.db);
    // The scheduler on the test's clock: it fires only when a test ticks it, never on its own.
    engine_ = actors::start_engine(*sys_, settings_, std::move(w), std::move(r), std::move(types), {},
                                   [this] { return clock_ms_ != 0 ? clock_ms_.load() : actors::now_ms(); });
    self_ = std::make_unique<caf::scoped_actor>(*sys_);
  }

  /// Starts the engine with actors of the test's own between the supervisor and storage:
  /// `wrap_reader` and `wrap_writer` get the real actor and return what the supervisor uses.
  template <class WrapReader, class WrapWriter>
  void start_wrapped(WrapReader wrap_reader, WrapWriter wrap_writer,
                     std::shared_ptr<const actors::job_type_registry> types = nullptr) {
    cfg_ = std::make_unique<caf::actor_system_config>();
    actors::add_message_types(*cfg_);
    sys_ = std::make_unique<caf::actor_system>(*cfg_);
    auto& e = engine_;
    e.types = types ? std::move(types) : actors::make_default_registry(settings_.jobs.max_items);
    e.writer = actors::spawn_storage_writer(*sys_, storage::open_and_migrate(settings_.storage.db),
                                            static_cast<std::size_t>(settings_.storage.batch_max));
    e.reader = actors::spawn_storage_reader(*sys_, storage::open(settings_.storage.db));
    e.pool = actors::spawn_worker_pool(*sys_, static_cast<std::size_t>(settings_.jobs.workers));
    e.finished = std::make_shared<actors::finished_jobs>(static_cast<std::size_t>(settings_.jobs.finished_cache));
    e.hub = actors::spawn_progress_hub(*sys_, e.finished);
    auto reader = wrap_reader(*sys_, e.reader);
    auto writer = wrap_writer(*sys_, e.writer);
    wrappers_ = {caf::actor_cast<caf::actor>(reader), caf::actor_cast<caf::actor>(writer)};
    e.supervisor = actors::spawn_job_supervisor(
        *sys_, actors::runner_context{e.types, e.pool, caf::actor_cast<actors::storage_writer_actor>(writer),
                                      caf::actor_cast<actors::storage_reader_actor>(reader), e.hub, settings_.jobs,
                                      nullptr, e.finished});
    e.sweeper = actors::spawn_stall_sweeper(*sys_, caf::actor_cast<actors::storage_reader_actor>(reader), e.supervisor,
                                            settings_.jobs.stall_threshold_s, settings_.jobs.stall_check_s);
    self_ = std::make_unique<caf::scoped_actor>(*sys_);
  }

  void stop() {
    if (!sys_)
      return;
    self_.reset();
    for (auto& w : std::exchange(wrappers_, {}))
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    actors::stop_engine(engine_);
    engine_ = {};
    sys_->await_all_actors_done();
    sys_.reset();
  }

  caf::scoped_actor& self() { return *self_; }

  /// Submits `spec`; the job, or a failed test and an empty record.
  storage::job_record submit(actors::job_spec spec, bool* created = nullptr) {
    storage::job_record out;
    self()->request(engine_.supervisor, k_wait, actors::submit_atom::value, std::move(spec))
        .receive(
            [&](storage::job_record& job, bool was_created) {
              out = std::move(job);
              if (created)
                *created = was_created;
            },
            [&](caf::error& e) { ADD_FAILURE() << "submit failed: " << caf::to_string(e); });
    return out;
  }

  /// Submits `spec` expecting an error; returns it.
  caf::error submit_error(actors::job_spec spec) {
    caf::error out;
    self()->request(engine_.supervisor, k_wait, actors::submit_atom::value, std::move(spec))
        .receive([&](storage::job_record&, bool) { ADD_FAILURE() << "submit succeeded"; },
                 [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  template <class Atom>
  caf::expected<storage::job_record> ask_job(Atom atom, const std::string& id) {
    caf::expected<storage::job_record> out{caf::error{}};
    self()->request(engine_.supervisor, k_wait, atom, id)
        .receive([&](storage::job_record& job) { out = std::move(job); }, [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  /// The job's items as the supervisor lists them (the first page).
  std::vector<storage::item_record> items_of(const std::string& id) {
    std::vector<storage::item_record> out;
    storage::item_filter filter;
    filter.job_id = id;
    self()->request(engine_.supervisor, k_wait, actors::items_atom::value, filter)
        .receive([&](std::vector<storage::item_record>& items) { out = std::move(items); },
                 [](caf::error& e) { FAIL() << caf::to_string(e); });
    return out;
  }

  /// The job once it has ended (completed, failed or cancelled); a failed test and the job as
  /// last seen when it has not within k_wait. Polls the supervisor every few milliseconds.
  storage::job_record await_end(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + k_wait;
    storage::job_record last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto job = ask_job(caf::get_atom::value, id);
      if (job) {
        last = *job;
        if (storage::is_terminal(job->status))
          return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "job " << id << " did not end within " << k_wait.count() << " s";
    return last;
  }

  void subscribe(const std::string& topic, std::int64_t since = -1) {
    caf::anon_send(engine_.hub, actors::subscribe_atom::value, topic, since, caf::actor_cast<caf::actor>(self()));
  }

  /// The next hub frame for this test's scoped actor, or nullopt after k_wait.
  std::optional<event> next_event() {
    std::optional<event> out;
    self()->receive(
        [&](actors::frame_atom, actors::hub_frame& f) {
          auto v = boost::json::parse(*f.text).as_object();
          out = event{std::string{v["topic"].as_string()}, static_cast<std::uint64_t>(v["seq"].as_int64()),
                      std::string{v["type"].as_string()}, v["data"].as_object()};
        },
        caf::after(k_wait) >> [] {});
    return out;
  }

  /// Subscribes to the job's topic and returns once a progress event shows an item done.
  void await_first_item(const std::string& job_id) {
    subscribe("job:" + job_id);
    while (auto e = next_event())
      if (e->type == "progress" && e->data.at("processed_items").as_int64() > 0)
        return;
    ADD_FAILURE() << "job " << job_id << " finished no item within " << k_wait.count() << " s";
  }

  /// Events until one of a terminal type (kept, last); fails on a timeout.
  std::vector<event> events_until_end() {
    std::vector<event> out;
    while (auto e = next_event()) {
      out.push_back(*e);
      if (e->type == "completed" || e->type == "failed" || e->type == "cancelled")
        return out;
    }
    ADD_FAILURE() << "no terminal event within " << k_wait.count() << " s";
    return out;
  }

  std::filesystem::path dir_;
  config::settings settings_;
  std::atomic<std::int64_t> clock_ms_{0};  ///< the scheduler's now; 0 = the system clock
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<caf::scoped_actor> self_;
  actors::engine engine_;
  std::vector<caf::actor> wrappers_;
};

inline actors::job_spec sleep_spec(int items, int ms_per_item) {
  actors::job_spec s;
  s.type = "sleep";
  s.params = R"({"items":)" + std::to_string(items) + R"(,"ms_per_item":)" + std::to_string(ms_per_item) + "}";
  s.user_id = "tester";
  return s;
}

/// A `flaky` job whose every item fails.
inline actors::job_spec failing_spec(int items) {
  actors::job_spec s;
  s.type = "flaky";
  s.params = R"({"items": )" + std::to_string(items) + R"(, "fail_probability": 1.0})";
  s.user_id = "tester";
  return s;
}

}  // namespace jobmesh::testing
