#pragma once
/// The job supervisor: the one actor that decides what runs. It stores each submission before
/// acknowledging it, keeps queued jobs in priority order (round-robin by user within a
/// priority, with aging so low priorities are not starved), holds jobs whose dependencies have
/// not completed (and fails them, naming it, when one does not), starts a monitored job runner
/// per job while fewer than `jobs.max_concurrent` run (and per type `jobs.type_limits`), retries a crashed run with exponential backoff and jitter up to
/// the job's `max_attempts`, and on start recovers jobs a previous process left running.
///
/// (submit_atom, job_spec)         -> (job_record, created)  created = false: idempotent replay
/// (submit_atom, vector<job_spec>) -> bulk_submission        one commit for all it takes
/// (submit_atom, singles_atom, vector<job_spec>) -> bulk_submission   single submissions of
///                                   several clients taken together: each stands alone (its
///                                   user's keys, its log line), one commit for all
/// (enqueue_atom, group_request)   -> vector<job_record>     a group and its dependencies
/// (statistics_atom)               -> queue_report           paused, and one per registered type
/// (statistics_atom, gauges_atom)  -> queue_report           the same without what storage
///                                   counts (ended today): queue depth, processing, peak
/// (pause_atom, bool)              -> queue_report (gauges)  true: start no job until resumed
///                                   (running ones go on); false: start again
/// (get_atom, id)                  -> job_record
/// (cancel_atom, id)               -> job_record             errc::conflict if already finished
/// (list_atom, job_filter)         -> vector<job_record>
/// (items_atom, item_filter)       -> vector<item_record>
/// (done_atom, job_record)            from runners
/// (done_atom, ended, superseded)      from batches of quick jobs
/// (requeue_atom, id), (recover_atom)  internal

#include "actors/job_runner.hpp"

namespace jobmesh::actors {

using job_supervisor_actor = caf::typed_actor<
    caf::replies_to<submit_atom, job_spec>::with<storage::job_record, bool>,
    caf::replies_to<submit_atom, std::vector<job_spec>>::with<bulk_submission>,
    caf::replies_to<submit_atom, singles_atom, std::vector<job_spec>>::with<bulk_submission>,
    caf::replies_to<enqueue_atom, group_request>::with<std::vector<storage::job_record>>,
    caf::replies_to<statistics_atom>::with<queue_report>,
    caf::replies_to<statistics_atom, gauges_atom>::with<queue_report>,
    caf::replies_to<pause_atom, bool>::with<queue_report>,
    caf::replies_to<caf::get_atom, std::string>::with<storage::job_record>,
    caf::replies_to<cancel_atom, std::string>::with<storage::job_record>,
    /// A failed or cancelled job back to the queue: its done items stay done, the rest run
    /// again in a new attempt (one more is allowed when it had used them all).
    caf::replies_to<retry_atom, std::string>::with<storage::job_record>,
    /// Internal: a retry parked while its running job's end was on its way has waited long enough.
    caf::reacts_to<retry_atom, timeout_atom, std::string>,
    caf::replies_to<list_atom, storage::job_filter>::with<std::vector<storage::job_record>>,
    caf::replies_to<items_atom, storage::item_filter>::with<std::vector<storage::item_record>>,
    caf::reacts_to<done_atom, storage::job_record>,
    caf::reacts_to<done_atom, std::vector<storage::job_record>, std::vector<storage::job_record>>,
    caf::reacts_to<requeue_atom, std::string>,
    caf::reacts_to<requeue_atom, storage::job_record>,
    caf::reacts_to<recover_atom>,
    /// Requeues (or fails, when out of attempts) these stalled jobs, each only if it is still
    /// running at the attempt given; answers with the jobs changed, as stored now.
    caf::replies_to<stalled_atom, std::vector<storage::job_record>>::with<std::vector<storage::job_record>>,
    /// Graceful stop: starts nothing more and has every runner put its job back in the queue
    /// (no attempt used) once its batches in flight are back; answers with the number of jobs
    /// still running when they are all back, or when `jobs.drain_timeout_s` has passed.
    caf::replies_to<drain_atom>::with<std::int64_t>,
    caf::reacts_to<drain_atom, timeout_atom>>;

/// How long a queued job waits to gain one priority point.
constexpr std::chrono::milliseconds k_aging_step{10'000};

/// How long a retry of a running job whose end storage already holds waits for its runner to
/// say so; then it is answered "not finished" (the runner died, or its run was superseded).
constexpr std::chrono::milliseconds k_parked_retry_bound{2'000};

/// The delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped at `max_ms`,
/// then scaled by `jitter` in [0.5, 1.0] so that failed jobs do not retry in lockstep.
std::chrono::milliseconds retry_delay(std::int64_t attempt, std::int64_t base_ms, std::int64_t max_ms, double jitter);

/// Spawns the supervisor; it recovers stored jobs before it starts any.
job_supervisor_actor spawn_job_supervisor(caf::actor_system& sys, runner_context ctx);

}  // namespace jobmesh::actors
