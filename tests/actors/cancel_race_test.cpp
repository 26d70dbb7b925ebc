// Cancels that race with the engine's own moves: one answer per state, 200 for the cancel that
// took effect and 409 for every later one. Each test forces its interleaving with a storage
// gate (storage_gates.hpp) instead of hoping the scheduler produces it.
#include "engine_fixture.hpp"
#include "storage_gates.hpp"

#include <gmock/gmock.h>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;
using storage::job_status;

namespace {

class cancel_race_test : public engine_fixture {
protected:
  static actors::storage_reader_actor real_reader(caf::actor_system&, actors::storage_reader_actor r) { return r; }
  static actors::storage_writer_actor real_writer(caf::actor_system&, actors::storage_writer_actor w) { return w; }

  /// Sends `atom` to `to` and waits for ok_atom.
  template <class Handle, class Atom>
  void ask_ok(const Handle& to, Atom atom) {
    self()->request(to, k_wait, atom).receive([](caf::ok_atom) {},
                                              [](caf::error& e) { FAIL() << caf::to_string(e); });
  }

  /// Sends a cancel of `id` without waiting for its answer; pass the result to answer_of.
  auto send_cancel(const std::string& id) {
    return self()->request(engine_.supervisor, k_wait, actors::cancel_atom::value, id);
  }

  /// Starts the engine with the writer's answers held at `gate`, and runs a job of its own
  /// runner (more than 16 items: not a batch of quick jobs) whose every item fails: returns it
  /// once its end (`failed`) is committed and its runner has not heard so.
  storage::job_record failed_job_unheard(gated_writer_actor& gate) {
    start_wrapped(real_reader, [&](caf::actor_system& sys, actors::storage_writer_actor real) {
      gate = spawn_answer_gated_writer(sys, std::move(real));
      return caf::actor_cast<actors::storage_writer_actor>(gate);
    });
    auto spec = failing_spec(20);
    spec.max_attempts = 1;
    auto job = submit(spec);
    if (!job.id.empty())
      ask_ok(gate, gate_atom::value);
    return job;
  }

  /// The answer to a cancel sent with send_cancel (a timeout after k_wait).
  template <class Pending>
  static caf::expected<storage::job_record> answer_of(Pending&& pending) {
    caf::expected<storage::job_record> out{caf::error{}};
    pending.receive([&](storage::job_record& job) { out = std::move(job); },
                    [&](caf::error& e) { out = std::move(e); });
    return out;
  }
};

}  // namespace

// The recovery read of queued jobs ran before the cancel was stored and is handled after it:
// the cancelled job must not come back from that read and run.
TEST_F(cancel_race_test, a_cancel_during_recovery_is_not_undone_by_the_recovery_read) {
  gated_reader_actor gate;
  start_wrapped(
      [&](caf::actor_system& sys, actors::storage_reader_actor real) {
        gate = spawn_gated_reader(sys, std::move(real));
        return caf::actor_cast<actors::storage_reader_actor>(gate);
      },
      real_writer);
  auto job = submit(sleep_spec(5, 1));
  ASSERT_FALSE(job.id.empty());
  ask_ok(gate, gate_atom::value);  // recovery has now read the queue, with the new job in it
  auto pending = send_cancel(job.id);
  // A get is answered only after the supervisor has taken the cancel from its mailbox.
  ASSERT_TRUE(ask_job(caf::get_atom::value, job.id));
  caf::anon_send(gate, open_atom::value);  // recovery goes on with what it read
  auto first = answer_of(pending);
  ASSERT_TRUE(first) << caf::to_string(first.error());
  EXPECT_EQ(first->status, job_status::cancelled);
  auto second = ask_job(actors::cancel_atom::value, job.id);
  ASSERT_FALSE(second) << "a second cancel took effect: the job ran after all";
  EXPECT_EQ(actors::code_of(second.error()), actors::errc::conflict);
  auto stored = ask_job(caf::get_atom::value, job.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, job_status::cancelled);
  EXPECT_EQ(stored->attempt, 0) << "the cancelled job was started";
}

// The job ended on its own while the cancel was on its way: the cancel did not take effect.
TEST_F(cancel_race_test, a_cancel_that_meets_the_job_ending_is_a_conflict) {
  gated_writer_actor gate;
  start_wrapped(real_reader, [&](caf::actor_system& sys, actors::storage_writer_actor real) {
    gate = spawn_gated_writer(sys, std::move(real));
    return caf::actor_cast<actors::storage_writer_actor>(gate);
  });
  auto job = submit(sleep_spec(1, 1));
  ASSERT_FALSE(job.id.empty());
  ask_ok(gate, gate_atom::value);  // the runner is writing its end: completed, not yet durable
  auto pending = send_cancel(job.id);
  ASSERT_TRUE(ask_job(caf::get_atom::value, job.id));  // the cancel has reached the supervisor
  caf::anon_send(gate, open_atom::value);
  auto answer = answer_of(pending);
  ASSERT_FALSE(answer) << "cancel answered " << to_string(answer->status);
  EXPECT_EQ(actors::code_of(answer.error()), actors::errc::conflict);
  EXPECT_THAT(actors::message_of(answer.error()), HasSubstr("already completed"));
  auto stored = ask_job(caf::get_atom::value, job.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, job_status::completed);
}

// Two cancels of one running job back to back: the first takes effect, the second conflicts
// even though the first has not been answered yet.
TEST_F(cancel_race_test, of_two_cancels_in_flight_only_the_first_takes_effect) {
  settings_.jobs.workers = 1;
  start();
  auto job = submit(sleep_spec(200, 20));
  await_first_item(job.id);
  auto one = send_cancel(job.id);
  auto two = send_cancel(job.id);
  int took_effect = 0, conflicts = 0;
  for (auto a : {answer_of(one), answer_of(two)}) {
    if (a && a->status == job_status::cancelled)
      ++took_effect;
    else if (!a && actors::code_of(a.error()) == actors::errc::conflict)
      ++conflicts;
  }
  EXPECT_EQ(took_effect, 1);
  EXPECT_EQ(conflicts, 1);
}

// A running job's end is stored (a job list already says `failed`) and its runner has not told
// the supervisor yet: a retry sent then waits for the runner's word, and is then taken, where it
// was 409 "not finished".
TEST_F(cancel_race_test, a_retry_of_a_job_whose_stored_end_the_supervisor_has_not_heard_waits_for_it) {
  gated_writer_actor gate;
  auto job = failed_job_unheard(gate);
  ASSERT_FALSE(job.id.empty());
  storage::job_record stored;
  self()->request(engine_.reader, k_wait, caf::get_atom::value, job.id)
      .receive([&](storage::job_record& j) { stored = std::move(j); },
               [](caf::error& e) { FAIL() << caf::to_string(e); });
  ASSERT_EQ(stored.status, job_status::failed) << "storage does not hold the end yet";
  auto pending = self()->request(engine_.supervisor, k_wait, actors::retry_atom::value, job.id);
  ASSERT_TRUE(ask_job(caf::get_atom::value, job.id));  // the retry has reached the supervisor
  caf::anon_send(gate, open_atom::value);
  auto answer = answer_of(pending);
  ASSERT_TRUE(answer) << actors::message_of(answer.error());
  EXPECT_EQ(answer->status, job_status::queued);
  EXPECT_EQ(await_end(job.id).status, job_status::failed);  // it fails again, on its own
}

// The same parked retry when the engine stops instead: it is answered at once that the engine
// is stopping (CAF 0.17 sends nothing for a promise left undelivered, so its caller waited for
// its own timeout).
TEST_F(cancel_race_test, a_parked_retry_is_answered_when_the_supervisor_stops) {
  gated_writer_actor gate;
  auto job = failed_job_unheard(gate);
  ASSERT_FALSE(job.id.empty());
  auto pending = self()->request(engine_.supervisor, k_wait, actors::retry_atom::value, job.id);
  // The retry has reached the supervisor, which asked the (one, first-in first-out) reader for
  // the stored job; once the reader answered a later question, its answer to the supervisor is
  // queued there ahead of the next one: when that is answered, the retry is parked.
  ASSERT_TRUE(ask_job(caf::get_atom::value, job.id));
  self()->request(engine_.reader, k_wait, caf::get_atom::value, job.id)
      .receive([](storage::job_record& j) { EXPECT_EQ(j.status, job_status::failed); },
               [](caf::error& e) { FAIL() << caf::to_string(e); });
  ASSERT_TRUE(ask_job(caf::get_atom::value, job.id));
  auto asked = std::chrono::steady_clock::now();
  self()->send_exit(engine_.supervisor, caf::exit_reason::user_shutdown);
  auto answer = answer_of(pending);
  ASSERT_FALSE(answer) << "the retry was taken: " << storage::to_string(answer->status);
  EXPECT_EQ(actors::code_of(answer.error()), actors::errc::overloaded) << actors::message_of(answer.error());
  EXPECT_LT(std::chrono::steady_clock::now() - asked, actors::k_parked_retry_bound);  // not its own timeout
  caf::anon_send(gate, open_atom::value);
}
