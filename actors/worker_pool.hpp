#pragma once
/// The worker pool: a fixed set of detached worker actors (item handlers may block) behind one
/// pool actor that hands each batch to an idle worker, or queues it until one is free. Job
/// runners keep at most min(items, workers) batches in flight, so no job takes more workers
/// than it has items.
///
/// pool:   (run_atom, work_batch) -> batch_result   answered by the worker that ran it
///         (idle_atom, worker)                       internal: a worker finished a batch
///         (cancel_atom, job_id)                     drops the job's batches still queued (each
///                                                   answered with an empty result) at once
/// worker: (run_atom, work_batch) -> batch_result

#include "actors/messages.hpp"

namespace jobmesh::actors {

using worker_actor = caf::typed_actor<caf::replies_to<run_atom, work_batch>::with<batch_result>>;

using worker_pool_actor = caf::typed_actor<caf::replies_to<run_atom, work_batch>::with<batch_result>,
                                           caf::reacts_to<idle_atom, worker_actor>,
                                           caf::reacts_to<cancel_atom, std::string>>;

/// Runs the items of `batch` (each up to its attempt limit), stopping early when the batch's
/// stop flag is set; items not started are left out of the result. A plan with a batch
/// handler gets the whole batch at once, and the items that failed again together. Exposed
/// for tests.
batch_result run_batch(const work_batch& batch);

/// One try of `item` with `plan.handle`: its outcome into `r` (ok, error, result); a throw is a
/// failed try. On workers, and on a runner for a plan whose items wait (job_plan::wait_per_try).
/// Returns whether another try could come out otherwise (not after a permanent failure).
bool try_item(const job_plan& plan, const item_ref& item, item_result& r);

/// Spawns a pool of `workers` workers, linked to it.
worker_pool_actor spawn_worker_pool(caf::actor_system& sys, std::size_t workers);

}  // namespace jobmesh::actors
