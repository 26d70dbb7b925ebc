#pragma once
/// The stalled-job sweeper (DESIGN.md "A job's life", step 8): every `jobs.stall_check_s`
/// (default: a third of `jobs.stall_threshold_s`) it asks storage for running jobs whose heartbeat is older than the
/// threshold and has the supervisor requeue them with a new attempt (or fail them when out of
/// attempts). A runner writes its heartbeat on every progress tick, so a job is found at most
/// threshold + check interval after its runner (or node) stopped.

#include "actors/job_supervisor.hpp"
#include "actors/storage_actors.hpp"

namespace jobmesh::actors {

using stall_sweeper_actor = caf::typed_actor<
    /// The stalled jobs now (`GET /api/v1/jobs/stalled`).
    caf::replies_to<stalled_atom>::with<std::vector<storage::job_record>>,
    /// Sweeps now (`POST /api/v1/jobs/stalled/cleanup`): the jobs requeued or failed.
    caf::replies_to<stalled_atom, cleanup_atom>::with<std::vector<storage::job_record>>,
    caf::reacts_to<tick_atom>>;

/// `check_s`: seconds between sweeps; 0 = a third of the threshold.
stall_sweeper_actor spawn_stall_sweeper(caf::actor_system& sys, storage_reader_actor reader,
                                        job_supervisor_actor supervisor, std::int64_t stall_threshold_s,
                                        std::int64_t check_s);

}  // namespace jobmesh::actors
