// Cancel answers at once (API.md: within 100 ms), whether the job's items are running or its
// batches wait in the worker pool, and nothing of the job is recorded after the answer.
#include "engine_fixture.hpp"
#include "storage_gates.hpp"

#include <gmock/gmock.h>

using namespace jobmesh;
using namespace jobmesh::testing;
using storage::job_status;

namespace {

class cancel_test : public engine_fixture {
protected:
  /// Waits (bounded) until the job has handed a batch to the pool.
  void await_dispatch(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + k_wait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto job = ask_job(caf::get_atom::value, id);
      if (job && job->status == job_status::running && !job->current_item.empty())
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ADD_FAILURE() << "job " << id << " dispatched nothing within " << k_wait.count() << " s";
  }


  /// Cancels `id`; the answer and how long it took.
  std::pair<caf::expected<storage::job_record>, std::chrono::milliseconds> timed_cancel(const std::string& id) {
    auto t0 = std::chrono::steady_clock::now();
    auto answer = ask_job(actors::cancel_atom::value, id);
    return {answer, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)};
  }
};

// Generous for sanitizer builds on a busy machine; the old cancel took the items' 1.5 s.
constexpr std::chrono::milliseconds k_prompt{500};

}  // namespace

TEST_F(cancel_test, a_cancel_answers_at_once_while_items_run_and_nothing_is_recorded_after_it) {
  settings_.jobs.workers = 2;
  start();
  auto busy = submit(sleep_spec(2, 1500));
  await_dispatch(busy.id);
  auto [answer, took] = timed_cancel(busy.id);
  ASSERT_TRUE(answer) << caf::to_string(answer.error());
  EXPECT_EQ(answer->status, job_status::cancelled);
  EXPECT_EQ(answer->processed_items, 0);
  EXPECT_LT(took, k_prompt) << "the cancel waited for the items in flight";
  // Once a job submitted after it has run, the workers are free: the cancelled job's items
  // have ended by then, and none of them was recorded.
  actors::job_spec after;
  after.type = "noop";
  after.user_id = "tester";
  EXPECT_EQ(await_end(submit(after).id).status, job_status::completed);
  auto stored = ask_job(caf::get_atom::value, busy.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, job_status::cancelled);
  EXPECT_EQ(stored->processed_items, 0);
  for (const auto& item : items_of(busy.id))
    EXPECT_EQ(item.status, storage::item_status::pending) << "item " << item.index;
}

TEST_F(cancel_test, batches_of_a_cancelled_job_waiting_in_the_pool_never_run) {
  settings_.jobs.workers = 2;
  start();
  auto first = submit(sleep_spec(2, 800));
  await_dispatch(first.id);
  auto queued = submit(sleep_spec(2, 800));  // both workers busy: its batches wait in the pool
  await_dispatch(queued.id);
  auto [answer, took] = timed_cancel(queued.id);
  ASSERT_TRUE(answer) << caf::to_string(answer.error());
  EXPECT_EQ(answer->status, job_status::cancelled);
  EXPECT_LT(took, k_prompt);
  EXPECT_EQ(await_end(first.id).status, job_status::completed);
  actors::job_spec after;
  after.type = "noop";
  after.user_id = "tester";
  EXPECT_EQ(await_end(submit(after).id).status, job_status::completed);
  for (const auto& item : items_of(queued.id))
    EXPECT_EQ(item.status, storage::item_status::pending) << "item " << item.index;
}

namespace {

// The real writer, except that it fails the first write that cancels a job.
using failing_writer_actor = actors::storage_writer_actor;

struct failing_state {
  actors::storage_writer_actor real;
  bool failed = false;
};

failing_writer_actor::behavior_type failing_writer(failing_writer_actor::stateful_pointer<failing_state> self,
                                                   actors::storage_writer_actor real) {
  self->state.real = std::move(real);
  return jobmesh::testing::pass_through_writer<failing_writer_actor::behavior_type>(
      self,
      [=](actors::write_atom a, storage::write_batch& batch) -> caf::result<caf::ok_atom> {
        bool cancels = std::any_of(batch.updated_jobs.begin(), batch.updated_jobs.end(),
                                   [](const auto& j) { return j.status == job_status::cancelled; });
        if (cancels && !self->state.failed) {
          self->state.failed = true;
          return actors::make_error(actors::errc::storage_failure, "disk I/O error (injected)");
        }
        return self->delegate(self->state.real, a, std::move(batch));
      });
}

}  // namespace

TEST_F(cancel_test, a_cancel_that_storage_fails_leaves_the_job_queued_and_tracked) {
  settings_.jobs.max_concurrent = 1;
  start_wrapped([](caf::actor_system&, actors::storage_reader_actor real) { return real; },
                [](caf::actor_system& sys, actors::storage_writer_actor real) {
                  return sys.spawn(failing_writer, std::move(real));
                });
  auto running = submit(sleep_spec(1000, 20));  // 20 s: still running when the test cancels it
  await_dispatch(running.id);
  auto waiting = submit(sleep_spec(1, 1));
  auto failed = ask_job(actors::cancel_atom::value, waiting.id);
  ASSERT_FALSE(failed);
  EXPECT_EQ(actors::code_of(failed.error()), actors::errc::storage_failure);
  auto still = ask_job(caf::get_atom::value, waiting.id);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, job_status::queued);
  auto again = ask_job(actors::cancel_atom::value, waiting.id);
  ASSERT_TRUE(again) << caf::to_string(again.error());
  EXPECT_EQ(again->status, job_status::cancelled);
  ASSERT_TRUE(ask_job(actors::cancel_atom::value, running.id));
}
