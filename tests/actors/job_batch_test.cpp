// Quick jobs run in batches: their whole runs share one commit, a cancel that meets that commit
// is a conflict, and a job whose fence storage refuses drops out of its batch alone.
#include "engine_fixture.hpp"
#include "storage/database.hpp"
#include "storage_gates.hpp"

#include <soci/soci.h>

#include <gmock/gmock.h>

#include <map>
#include <set>

using namespace jobmesh;
using namespace jobmesh::testing;
using storage::job_status;

namespace {

using largest_atom = caf::atom_constant<caf::atom("largest")>;

/// The real writer, counting the jobs in each batch write (a write that wants its refused
/// fences listed); with `hold` set, it holds the first batch write (the jobs' ends) until
/// `open_atom`, answering `gate_atom` once it holds it.
using batch_writer_actor = actors::storage_writer_actor::extend<caf::replies_to<gate_atom>::with<caf::ok_atom>,
                                                                caf::reacts_to<open_atom>,
                                                                caf::replies_to<largest_atom>::with<std::int64_t>>;

struct batch_writer_state {
  actors::storage_writer_actor real;
  bool hold = false;
  std::int64_t largest = 0;
  std::optional<storage::write_batch> held;
  std::optional<caf::typed_response_promise<std::vector<std::string>>> held_promise;
  std::optional<caf::typed_response_promise<caf::ok_atom>> gate;
};

batch_writer_actor::behavior_type batch_writer(batch_writer_actor::stateful_pointer<batch_writer_state> self,
                                               actors::storage_writer_actor real, bool hold) {
  self->state.real = std::move(real);
  self->state.hold = hold;
  return pass_through_writer_queries<batch_writer_actor::behavior_type>(
      self,
      [=](actors::write_atom a, storage::write_batch& batch) { return self->delegate(self->state.real, a, std::move(batch)); },
      [=](actors::write_atom a, storage::write_batch& batch,
          actors::fences_atom f) -> caf::result<std::vector<std::string>> {
        auto& st = self->state;
        st.largest = std::max(st.largest, static_cast<std::int64_t>(batch.updated_jobs.size()));
        if (!st.hold || st.held_promise)
          return self->delegate(st.real, a, std::move(batch), f);
        st.held = std::move(batch);
        st.held_promise = self->make_response_promise<std::vector<std::string>>();
        if (st.gate)
          st.gate->deliver(caf::ok_atom::value);
        return *st.held_promise;
      },
      [=](gate_atom) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.held)
          return caf::ok_atom::value;
        st.gate = self->make_response_promise<caf::ok_atom>();
        return *st.gate;
      },
      [=](open_atom) {
        auto& st = self->state;
        if (st.held && st.held_promise)
          st.held_promise->delegate(st.real, actors::write_atom::value, std::move(*st.held), actors::fences_atom::value);
        st.held.reset();
      },
      [=](largest_atom) { return self->state.largest; });
}

/// The real writer, except that the first submission's write (new jobs) waits until a batch's
/// end write comes, then fails: a commit that fails after its quick jobs already ran.
struct failing_submission_state {
  actors::storage_writer_actor real;
  std::optional<caf::typed_response_promise<caf::ok_atom>> submission;
  bool failed = false;
};

actors::storage_writer_actor::behavior_type failing_submission_writer(
    actors::storage_writer_actor::stateful_pointer<failing_submission_state> self, actors::storage_writer_actor real) {
  self->state.real = std::move(real);
  return pass_through_writer_queries<actors::storage_writer_actor::behavior_type>(
      self,
      [=](actors::write_atom a, storage::write_batch& batch) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.failed || batch.inserted_jobs.empty())
          return self->delegate(st.real, a, std::move(batch));
        st.failed = true;
        st.submission = self->make_response_promise<caf::ok_atom>();
        return *st.submission;
      },
      [=](actors::write_atom a, storage::write_batch& batch,
          actors::fences_atom f) -> caf::result<std::vector<std::string>> {
        auto& st = self->state;
        if (st.submission) {
          st.submission->deliver(actors::make_error(actors::errc::storage_failure, "the disk is full (test)"));
          st.submission.reset();
        }
        return self->delegate(st.real, a, std::move(batch), f);
      });
}

class job_batch_test : public engine_fixture {
protected:
  batch_writer_actor writer_;

  void start_counting(bool hold) {
    start_wrapped([](caf::actor_system&, actors::storage_reader_actor real) { return real; },
                  [&](caf::actor_system& sys, actors::storage_writer_actor real) {
                    writer_ = sys.spawn(batch_writer, std::move(real), hold);
                    return caf::actor_cast<actors::storage_writer_actor>(writer_);
                  });
  }

  /// `n` noop jobs submitted in one bulk call (stored in one commit, then queued together).
  std::vector<storage::job_record> submit_noops(std::size_t n) {
    std::vector<actors::job_spec> specs(n);
    for (auto& s : specs) {
      s.type = "noop";
      s.user_id = "tester";
    }
    std::vector<storage::job_record> out;
    self()->request(engine_.supervisor, k_wait, actors::submit_atom::value, std::move(specs))
        .receive([&](actors::bulk_submission& b) { out = std::move(b.jobs); },
                 [](caf::error& e) { FAIL() << caf::to_string(e); });
    return out;
  }

  std::int64_t largest_write() {
    std::int64_t n = -1;
    self()->request(writer_, k_wait, largest_atom::value).receive([&](std::int64_t v) { n = v; },
                                                                   [](caf::error& e) { FAIL() << caf::to_string(e); });
    return n;
  }

  void await_held() {
    self()->request(writer_, k_wait, gate_atom::value).receive([](caf::ok_atom) {},
                                                               [](caf::error& e) { FAIL() << caf::to_string(e); });
  }

};

}  // namespace

TEST_F(job_batch_test, quick_jobs_queued_together_share_their_commits_and_all_complete) {
  settings_.jobs.max_concurrent = 1;  // one slot: the one batch takes every queued job
  start_counting(false);
  auto jobs = submit_noops(500);
  ASSERT_EQ(jobs.size(), 500u);
  for (const auto& job : jobs) {
    auto ended = await_end(job.id);
    ASSERT_EQ(ended.status, job_status::completed) << ended.error_message;
    EXPECT_EQ(ended.attempt, 1);
    EXPECT_EQ(ended.total_items, 1);
    EXPECT_EQ(ended.processed_items, 1);
  }
  EXPECT_EQ(largest_write(), 500) << "the 500 jobs did not share one commit";
  auto items = items_of(jobs.back().id);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].status, storage::item_status::done);
  EXPECT_EQ(items[0].attempts, 1);
}

TEST_F(job_batch_test, a_cancel_that_meets_the_batch_commit_is_a_conflict_and_the_job_completes) {
  settings_.jobs.max_concurrent = 1;
  start_counting(true);
  auto jobs = submit_noops(3);
  ASSERT_EQ(jobs.size(), 3u);
  await_held();  // the three jobs' items ran; their ends are written, not yet durable
  auto pending = self()->request(engine_.supervisor, k_wait, actors::cancel_atom::value, jobs[1].id);
  // A get is answered by the batch only after it has taken the cancel from its mailbox; until
  // the end is durable it says running.
  auto now = ask_job(caf::get_atom::value, jobs[1].id);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->status, job_status::running);
  caf::anon_send(writer_, open_atom::value);
  pending.receive([&](storage::job_record& job) { ADD_FAILURE() << "the cancel took effect: " << to_string(job.status); },
                  [](caf::error& e) {
                    EXPECT_EQ(actors::code_of(e), actors::errc::conflict);
                    EXPECT_THAT(actors::message_of(e), ::testing::HasSubstr("already completed"));
                  });
  for (const auto& job : jobs) {
    auto ended = await_end(job.id);
    EXPECT_EQ(ended.status, job_status::completed);
    auto items = items_of(job.id);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].status, storage::item_status::done);
  }
}

TEST_F(job_batch_test, a_job_whose_end_storage_refuses_drops_out_and_the_rest_of_its_batch_completes) {
  settings_.jobs.max_concurrent = 1;
  start_counting(true);
  auto jobs = submit_noops(3);
  ASSERT_EQ(jobs.size(), 3u);
  await_held();
  // Another node claimed the middle job meanwhile: storage has it at another attempt.
  {
    auto db = storage::open(settings_.storage.db);
    *db << "UPDATE jobs SET status = 'running', attempt = 5 WHERE id = :id", soci::use(jobs[1].id);
  }
  caf::anon_send(writer_, open_atom::value);
  EXPECT_EQ(await_end(jobs[0].id).status, job_status::completed);
  EXPECT_EQ(await_end(jobs[2].id).status, job_status::completed);
  // The batch wrote nothing more of it: it is as the other node left it, with no item.
  auto deadline = std::chrono::steady_clock::now() + k_wait;
  caf::expected<storage::job_record> stored{caf::error{}};
  do {  // the supervisor forgets it once the batch reports; then a get reads storage
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    stored = ask_job(caf::get_atom::value, jobs[1].id);
    ASSERT_TRUE(stored);
  } while (stored->attempt != 5 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(stored->attempt, 5);
  EXPECT_EQ(stored->status, job_status::running);
  EXPECT_TRUE(items_of(jobs[1].id).empty()) << "the refused job's items were stored";
}

// Quick jobs start before their submission is committed. When that commit fails, what ran of
// them leaves no trace: no row, no item, no event, no retry, and their slot is free again.
TEST_F(job_batch_test, quick_jobs_that_ran_before_their_submission_failed_to_commit_leave_nothing) {
  settings_.jobs.max_concurrent = 1;
  start_wrapped([](caf::actor_system&, actors::storage_reader_actor real) { return real; },
                [](caf::actor_system& sys, actors::storage_writer_actor real) {
                  return sys.spawn(failing_submission_writer, std::move(real));
                });
  subscribe("jobs");
  std::vector<actors::job_spec> specs(3);
  for (auto& spec : specs) {
    spec.type = "noop";
    spec.user_id = "tester";
  }
  // Answered only once the batch's end write reached the writer: the jobs had run by then.
  self()->request(engine_.supervisor, k_wait, actors::submit_atom::value, std::move(specs))
      .receive([](actors::bulk_submission&) { ADD_FAILURE() << "the failed commit was acknowledged"; },
               [](caf::error& e) { EXPECT_EQ(actors::code_of(e), actors::errc::storage_failure) << caf::to_string(e); });

  // The engine goes on: its one slot takes the next jobs.
  auto jobs = submit_noops(2);
  ASSERT_EQ(jobs.size(), 2u);
  std::set<std::string> ids{jobs[0].id, jobs[1].id};
  for (const auto& job : jobs)
    EXPECT_EQ(await_end(job.id).status, job_status::completed);

  // Each event is of the two stored jobs, created before it completed.
  std::map<std::string, std::vector<std::string>> seen;
  std::size_t completed = 0;
  while (completed < 2) {
    auto e = next_event();
    ASSERT_TRUE(e) << "no event within the wait; " << completed << " completions seen";
    if (!e->data.contains("id"))
      continue;  // the subscription's own answer
    std::string id{e->data.at("id").as_string()};
    EXPECT_TRUE(ids.contains(id)) << e->type << " of a job that was never stored: " << id;
    seen[id].push_back(e->type);
    completed += e->type == "completed" ? 1 : 0;
  }
  for (const auto& id : ids)
    EXPECT_EQ(seen[id], (std::vector<std::string>{"job_created", "completed"})) << id;

  auto db = storage::open(settings_.storage.db);
  int stored_jobs = -1, stored_items = -1;
  *db << "SELECT COUNT(*) FROM jobs", soci::into(stored_jobs);
  *db << "SELECT COUNT(*) FROM job_items", soci::into(stored_items);
  EXPECT_EQ(stored_jobs, 2);
  EXPECT_EQ(stored_items, 0) << "a job of one item run in a batch keeps its item in its own row";
  for (const auto& id : ids) {
    auto items = storage::all_items(*db, id);
    ASSERT_EQ(items.size(), 1u) << id;
    EXPECT_EQ(items.front().status, storage::item_status::done) << id;
  }
  std::vector<actors::queue_statistics> stats;
  self()->request(engine_.supervisor, k_wait, actors::statistics_atom::value)
      .receive([&](actors::queue_report& s) { stats = std::move(s.types); },
               [](caf::error& e) { FAIL() << caf::to_string(e); });
  for (const auto& s : stats)
    if (s.type == "noop") {
      EXPECT_EQ(s.queue_depth, 0) << "a withdrawn job waits to run again";
      EXPECT_EQ(s.processing_count, 0);
    }
}
