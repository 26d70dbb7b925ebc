#pragma once
// The job supervisor's state and the steps its handlers share. The handlers live in
// actors/job_supervisor.cpp (running, cancel, retry, stalls, recovery) and
// actors/detail/job_submission.cpp (single, bulk and group submissions, dependencies).

#include "actors/job_dependencies.hpp"
#include "actors/job_id.hpp"
#include "actors/job_queue.hpp"
#include "actors/job_supervisor.hpp"

#include <functional>
#include <vector>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace jobmesh::actors::detail {

/// A runner or a batch and the jobs it was given, as they started: what is retried should it
/// crash. A job of it that ended (or was requeued) is out of `running`, or in it under another
/// runner; the slot goes once none of its jobs is left there.
struct run_slot {
  job_runner_actor runner;
  std::vector<storage::job_record> jobs;
  std::size_t live = 0;  ///< of `jobs`, how many are still `running` under this runner
};

struct supervisor_state {
  runner_context ctx;
  job_id_generator ids;
  job_queue queue{k_aging_step};
  std::unordered_map<std::string, storage::job_record> delayed;  ///< queued, waiting for run_after
  dependency_graph waiting;  ///< queued, waiting for the jobs they depend on
  id_map<job_runner_actor> running;  ///< job -> its runner or batch
  /// Runner or batch -> its jobs as started. Each is one of jobs.max_concurrent's slots.
  std::unordered_map<caf::actor_addr, run_slot> started;
  std::map<std::string, std::int64_t> running_by_type;
  std::map<std::string, std::size_t> peak_queued_by_type;  ///< since this process started
  /// Running jobs asked to cancel; answered when the runner reports its end (or dies).
  std::unordered_map<std::string, caf::typed_response_promise<storage::job_record>> cancels;
  /// Jobs not running whose end (or retry) is being written.
  std::unordered_set<std::string> ending;
  /// Retries that came while storage may already say their job ended and this actor has not
  /// heard so yet: the job was `ending` (asked again when the write is back, done_ending), or
  /// running with its end stored (asked again when the runner's word comes, after_end).
  std::unordered_map<std::string, std::vector<caf::typed_response_promise<storage::job_record>>> retries_after_ending;
  /// Jobs started before their submission's commit whose commit failed: their runs' writes are
  /// refused (no row), and they go without a word.
  std::unordered_set<std::string> withdrawn;
  /// Cancels that came before recovery ended, replayed after it in order.
  std::vector<std::pair<std::string, caf::typed_response_promise<storage::job_record>>> held_cancels;
  std::mt19937_64 rng{std::random_device{}()};
  bool recovered = false;
  /// `POST /api/v1/queue/pause`: no job starts until resumed (this process only, until it
  /// stops; running jobs and batches go on).
  bool paused = false;
  std::optional<caf::typed_response_promise<std::int64_t>> drained;  ///< a graceful stop's answer
  static inline const char* name = "job_supervisor";
};

using supervisor_pointer = job_supervisor_actor::stateful_pointer<supervisor_state>;

/// Jobs waiting in any form: queued, delayed for a retry, or waiting for dependencies.
std::size_t queued_count(const supervisor_state& st);

/// The job is held here: waiting, running, or its end being written. A job not active has
/// either ended or is unknown; storage says which.
bool is_active(const supervisor_state& st, const std::string& id);
/// The dependencies of `job` the supervisor does not hold (ended, or never known): storage
/// says how they ended.
std::vector<std::string> dependencies_not_held(const supervisor_state& st, const storage::job_record& job);

/// Puts a job whose dependencies are settled in the queue now, or at its run_after.
void enqueue(supervisor_pointer self, storage::job_record job, std::int64_t since);

/// Starts queued jobs while there are free slots (and per-type room).
void try_start(supervisor_pointer self);

/// Puts a stored, queued job where it belongs: waiting for its dependencies (an ended one is
/// looked up in storage), delayed until its run_after, or in the queue; `since` is when its
/// wait began (aging).
void admit(supervisor_pointer self, storage::job_record job, std::int64_t since);

/// The job's plan when it may run in a batch of quick jobs (see job_plan::quick), else null.
std::shared_ptr<const job_plan> quick_plan(const supervisor_state& st, const storage::job_record& job);

/// Tells the job's event to its topics.
void announce(supervisor_pointer self, const storage::job_record& job, const std::string& type);

/// A job's end is durable: the jobs that depend on it may run now, or fail, naming it.
void job_ended(supervisor_pointer self, const storage::job_record& job);

/// The write that held `id` in `ending` is back: it leaves `ending`, and the retries that came
/// meanwhile are asked again (answered as any retry of the job is now).
void done_ending(supervisor_pointer self, const std::string& id);

/// The retries parked for `id` are asked again (each answered as any retry of the job is now).
void ask_parked_retries_again(supervisor_pointer self, const std::string& id);

/// Ends a job that is not running (waiting in any form) as `status`; answers `promise` once
/// stored. If the write fails the job goes back where it waited, so it is never lost.
void end_waiting(supervisor_pointer self, storage::job_record job, storage::job_status status, std::string reason,
                 std::optional<caf::typed_response_promise<storage::job_record>> promise);

/// `(submit_atom, job_spec)`: checks, stores, then acknowledges and queues.
caf::result<storage::job_record, bool> submit(supervisor_pointer self, job_spec& spec);

/// `(submit_atom, vector<job_spec>)`: every acceptable submission stored in one commit.
caf::result<bulk_submission> submit_many(supervisor_pointer self, std::vector<job_spec>& specs);
/// Single submissions of several clients in one commit: as `submit_many`, but each spec's keys
/// are its own user's and each job is logged as a single submission is.
caf::result<bulk_submission> submit_singles(supervisor_pointer self, std::vector<job_spec>& specs);

/// `(enqueue_atom, group_request)`: one job per type of the group and its dependencies.
caf::result<std::vector<storage::job_record>> enqueue_group(supervisor_pointer self, group_request& request);

/// Writes `job`, then runs `then` (on this actor) with the outcome once it is durable.
template <class F>
void write_job(supervisor_pointer self, const storage::job_record& job, F then) {
  storage::write_batch batch;
  batch.updated_jobs.push_back(job);
  self->request(self->state.ctx.writer, caf::infinite, write_atom::value, std::move(batch))
      .then([=](caf::ok_atom) mutable { then(caf::error{}); }, [=](caf::error& e) mutable { then(std::move(e)); });
}

}  // namespace jobmesh::actors::detail
