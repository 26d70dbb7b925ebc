// Leases and fencing end to end: a runner that hangs stops heartbeating, the stalled sweeper
// lists and requeues its job, the next attempt completes it, and the hung runner's late write
// is refused by storage instead of turning the completed job back into a running one.
#include "engine_fixture.hpp"
#include "storage_gates.hpp"

#include "actors/job_type.hpp"

#include <future>
#include <utility>

using namespace jobmesh;
using storage::job_status;

namespace {

using count_atom = caf::atom_constant<caf::atom("count")>;

// The real writer, counting the writes it refused as stale.
using counting_writer_actor = actors::storage_writer_actor::extend<caf::replies_to<count_atom>::with<int>>;

struct counting_state {
  actors::storage_writer_actor real;
  int stale = 0;
};

counting_writer_actor::behavior_type counting_writer(counting_writer_actor::stateful_pointer<counting_state> self,
                                                     actors::storage_writer_actor real) {
  self->state.real = std::move(real);
  return jobmesh::testing::pass_through_writer<counting_writer_actor::behavior_type>(
      self,
      [=](actors::write_atom a, storage::write_batch& batch) -> caf::result<caf::ok_atom> {
        auto promise = self->make_response_promise<caf::ok_atom>();
        self->request(self->state.real, caf::infinite, a, std::move(batch))
            .then([=](caf::ok_atom ok) mutable { promise.deliver(ok); },
                  [=](caf::error& e) mutable {
                    if (actors::code_of(e) == actors::errc::stale_attempt)
                      ++self->state.stale;
                    promise.deliver(std::move(e));
                  });
        return promise;
      },
      [=](count_atom) { return self->state.stale; });
}

// `gate`: its first run's planning blocks the runner until the test opens the gate.
struct gate_control {
  std::promise<void> entered;
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::atomic<int> runs{0};
};

// Opens the gate once: when the test says so, or at the end of the test whatever happened (a
// failed assertion would otherwise leave the runner blocked and the engine unable to stop).
struct gate_opener {
  gate_control& gate;
  bool opened = false;
  void open() {
    if (!std::exchange(opened, true))
      gate.open.set_value();
  }
  ~gate_opener() { open(); }
};

actors::job_type gate_type(std::shared_ptr<gate_control> gate) {
  actors::job_type t;
  t.name = "gate";
  t.group = "test";
  t.params_schema = actors::object_schema({}, {});
  t.validate = [](const boost::json::object&) { return std::optional<std::string>{}; };
  t.plan = [gate](const boost::json::object&, const std::string&) {
    if (gate->runs.fetch_add(1) == 0) {
      gate->entered.set_value();
      gate->opened.wait();
    }
    auto plan = std::make_shared<actors::job_plan>();
    plan->item_keys = {"only"};
    plan->handle = [](const actors::item_ref&) { return actors::item_outcome{true, {}, R"({"ran":true})"}; };
    return std::shared_ptr<const actors::job_plan>{std::move(plan)};
  };
  return t;
}

class stalled_job_test : public jobmesh::testing::engine_fixture {
protected:
  template <class T, class Handle, class... Ts>
  T ask(const Handle& to, Ts... xs) {
    T out{};
    self()->request(to, k_wait, xs...).receive([&](T& x) { out = std::move(x); },
                                                [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  // Follows the job to its end: it must complete, at `attempt`.
  void expect_completed(const std::string& id, std::int64_t attempt, std::int64_t items) {
    subscribe("job:" + id);
    auto events = events_until_end();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().type, "completed");
    auto done = ask_job(caf::get_atom::value, id);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->status, job_status::completed);
    EXPECT_EQ(done->attempt, attempt);
    EXPECT_EQ(done->processed_items, items);
  }

  static bool lists(const std::vector<storage::job_record>& jobs, const std::string& id) {
    return std::any_of(jobs.begin(), jobs.end(), [&](const auto& j) { return j.id == id; });
  }

  // Starts the engine with the `gate` type, stalls after 1 s and sweeps only when the test asks;
  // `wrap_writer` may put a stand-in before the storage writer.
  template <class WrapWriter>
  std::shared_ptr<gate_control> start_gated(WrapWriter wrap_writer) {
    settings_.jobs.stall_threshold_s = 1;
    settings_.jobs.stall_check_s = 3'600;
    auto gate = std::make_shared<gate_control>();
    auto types = std::make_shared<actors::job_type_registry>();
    types->add(gate_type(gate));
    start_wrapped([](caf::actor_system&, actors::storage_reader_actor real) { return real; }, wrap_writer, types);
    return gate;
  }

  // Submits a `gate` job and waits until its runner hangs in the gate.
  std::string submit_hung_job(gate_control& gate) {
    actors::job_spec spec;
    spec.type = "gate";
    spec.user_id = "tester";
    auto job = submit(spec);
    EXPECT_FALSE(job.id.empty());
    EXPECT_EQ(gate.entered.get_future().wait_for(k_wait), std::future_status::ready);
    return job.id;
  }

  // The sweeper's list once it holds `id` (its heartbeat older than the threshold).
  std::vector<storage::job_record> await_stalled(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + k_wait;
    std::vector<storage::job_record> stalled;
    while (!lists(stalled, id) && std::chrono::steady_clock::now() < deadline) {
      self()->receive(caf::after(std::chrono::milliseconds(100)) >> [] {});
      stalled = ask<std::vector<storage::job_record>>(engine_.sweeper, actors::stalled_atom::value);
    }
    EXPECT_TRUE(lists(stalled, id)) << "the hung job was not listed as stalled";
    return stalled;
  }
};

}  // namespace

TEST_F(stalled_job_test, a_hung_runner_is_requeued_and_its_late_write_refused) {
  counting_writer_actor counter;
  auto gate = start_gated([&](caf::actor_system& sys, actors::storage_writer_actor real) {
    counter = sys.spawn(counting_writer, std::move(real));
    return caf::actor_cast<actors::storage_writer_actor>(counter);
  });
  gate_opener opener{*gate};
  auto id = submit_hung_job(*gate);
  ASSERT_FALSE(HasFailure());
  // Its runner cannot answer: a read of the job answers from storage instead of waiting on it.
  auto asked = std::chrono::steady_clock::now();
  auto read = ask_job(caf::get_atom::value, id);
  ASSERT_TRUE(read) << caf::to_string(read.error());
  EXPECT_EQ(read->status, job_status::running);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2)) << "a read waited on a hung runner";

  // The claim was written with a heartbeat; after the threshold the job is listed as stalled.
  auto stalled = await_stalled(id);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(stalled.front().status, job_status::running);
  EXPECT_EQ(stalled.front().attempt, 1);

  auto swept = ask<std::vector<storage::job_record>>(engine_.sweeper, actors::stalled_atom::value,
                                                     actors::cleanup_atom::value);
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].status, job_status::queued);
  EXPECT_NE(swept[0].error_message.find("stalled"), std::string::npos) << swept[0].error_message;

  // The second attempt does not hang: it completes the job.
  expect_completed(id, 2, 1);

  // The hung runner wakes: its next write (a heartbeat tick) names attempt 1 and is refused.
  opener.open();
  int refused = 0;
  auto deadline = std::chrono::steady_clock::now() + k_wait;
  while (refused == 0 && std::chrono::steady_clock::now() < deadline) {
    self()->receive(caf::after(std::chrono::milliseconds(20)) >> [] {});
    refused = ask<int>(counter, count_atom::value);
  }
  EXPECT_GE(refused, 1) << "the stale runner wrote nothing, or its write went through";
  auto after = ask_job(caf::get_atom::value, id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, job_status::completed);
  EXPECT_EQ(after->attempt, 2);
  EXPECT_EQ(after->processed_items, 1);
}

// A graceful stop: the running job goes back to the queue without using an attempt, the items
// done stay done, and the next engine over the same file finishes it.
TEST_F(stalled_job_test, a_graceful_stop_requeues_running_jobs_without_using_an_attempt) {
  settings_.jobs.workers = 1;
  settings_.jobs.batch_size = 1;
  start();
  auto job = submit(jobmesh::testing::sleep_spec(400, 10));
  ASSERT_FALSE(job.id.empty());
  await_first_item(job.id);
  std::int64_t left = -1;
  self()->request(engine_.supervisor, k_wait, actors::drain_atom::value)
      .receive([&](std::int64_t n) { left = n; }, [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_EQ(left, 0);
  auto stopped = ask_job(caf::get_atom::value, job.id);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->status, job_status::queued);
  EXPECT_EQ(stopped->attempt, 0) << "the graceful stop used an attempt";
  EXPECT_GT(stopped->processed_items, 0);
  EXPECT_LT(stopped->processed_items, 400);
  auto done_before = stopped->processed_items;
  stop();

  start();  // recovery finds it queued and runs the rest
  expect_completed(job.id, 1, 400);
  EXPECT_GE(done_before, 1);
}

// A cancel sent to a job whose runner hangs waits for the run to stop; when the sweeper
// requeues the job instead, the cancel still holds: the job ends cancelled and no other attempt
// runs (it was answered 409 "already queued" and the next attempt ran).
TEST_F(stalled_job_test, a_cancel_waiting_on_a_hung_runner_cancels_the_job_the_sweeper_requeues) {
  auto gate = start_gated([](caf::actor_system&, actors::storage_writer_actor real) { return real; });
  gate_opener opener{*gate};
  auto id = submit_hung_job(*gate);
  ASSERT_FALSE(HasFailure());
  auto cancel = self()->request(engine_.supervisor, k_wait, actors::cancel_atom::value, id);
  await_stalled(id);
  ASSERT_FALSE(HasFailure());
  ask<std::vector<storage::job_record>>(engine_.sweeper, actors::stalled_atom::value, actors::cleanup_atom::value);

  std::optional<storage::job_record> answered;
  cancel.receive([&](storage::job_record& j) { answered = std::move(j); },
                 [&](caf::error& e) { ADD_FAILURE() << "the cancel was refused: " << caf::to_string(e); });
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, job_status::cancelled);
  auto stored = await_end(id);
  EXPECT_EQ(stored.status, job_status::cancelled);
  EXPECT_EQ(stored.attempt, 1);
  opener.open();
  EXPECT_EQ(gate->runs.load(), 1) << "another attempt ran after the cancel";
}
