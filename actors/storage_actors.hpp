#pragma once
/// Storage actors: the only code that touches a SOCI session, each owning its own, each
/// detached (SQL blocks). The writer group-commits: every write that arrives while a commit runs
/// joins the next transaction, and each writer is answered only after its write is durable. On
/// SQLite the WAL is synced on a thread of the writer's own (storage/wal_file.hpp) while the
/// writer goes on with the next transaction; every answer of the writer, in its order, leaves
/// from that thread once a sync covers the commits made before it.
///
/// writer:  (write_atom, write_batch)          -> ok_atom          after commit; stale_attempt
///                                                when a fence was refused (the rest committed)
///          (write_atom, write_batch, fences_atom) -> vector<job_id>  after commit: the jobs
///                                                whose fences were refused (a batch of jobs
///                                                learns which of them are no longer its own)
///          (write_atom, write_batch, lazy_atom) -> ok_atom        as the first, but its commit may
///                                                wait k_lazy_write_wait for other writes
///          (cleanup_atom, now_ms, limit)      -> jobs deleted     expired ones, own transaction
///          (orphan_atom, table, limit)        -> orphan_deletion  the rows of at most `limit`
///                                                deleted records, own transaction
///          (activity_atom, vector<candidate_id>) -> vector<activity_row>  every stored event of
///                                                each, after the writes taken before: whoever
///                                                writes activity through this writer has had
///                                                every earlier write's answer first (one sender,
///                                                one receiver: CAF keeps their order), so it can
///                                                compare what it counted with what is stored
/// reader:  (get_atom, id)                     -> job_record       or errc::not_found
///          (get_atom, user_id, key)           -> job_record       by idempotency key
///          (get_atom, user_id, vector<key>)   -> vector<job_record>   those stored, any order
///          (list_atom, job_filter)            -> vector<job_record>
///          (items_atom, item_filter)          -> vector<item_record>
///          (items_atom, job_id)               -> vector<item_record>   every item
///          (status_atom, status name)         -> vector<job_record>
///          (stalled_atom, heartbeat_before_ms) -> vector<job_record>
///          (statistics_atom, since_ms)        -> vector<finished_counts>   per type
///          (schedule_atom)                    -> vector<schedule_record>   by name
///          (cleanup_atom, now_ms)             -> number of finished jobs expired by now

#include "actors/messages.hpp"
#include "actors/metrics.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace soci {
class session;
}

namespace jobmesh::actors {

using storage_writer_actor = caf::typed_actor<
    caf::replies_to<write_atom, storage::write_batch>::with<caf::ok_atom>,
    caf::replies_to<write_atom, storage::write_batch, fences_atom>::with<std::vector<std::string>>,
    /// A write nobody waits on (a runner's periodic progress and heartbeat): it may wait up to
    /// k_lazy_write_wait for other writes to share its commit; any other write commits it at once.
    caf::replies_to<write_atom, storage::write_batch, lazy_atom>::with<caf::ok_atom>,
    /// Deletes at most `limit` finished jobs expired by `now_ms`, with their items: how many.
    caf::replies_to<cleanup_atom, std::int64_t, std::int64_t>::with<std::int64_t>,
    /// Deletes the rows of `table` (storage/orphan_repository.hpp) naming at most `limit`
    /// deleted records.
    caf::replies_to<orphan_atom, std::string, std::int64_t>::with<storage::orphan_deletion>,
    caf::replies_to<activity_atom, std::vector<std::string>>::with<std::vector<storage::activity_row>>,
    caf::reacts_to<flush_atom>,         // internal: the writer's own "commit what is pending"
    caf::reacts_to<flush_atom, lazy_atom>>;  // internal: the same, once lazy writes waited

using storage_reader_actor = caf::typed_actor<
    caf::replies_to<caf::get_atom, std::string>::with<storage::job_record>,
    caf::replies_to<caf::get_atom, std::string, std::string>::with<storage::job_record>,
    caf::replies_to<caf::get_atom, std::string, std::vector<std::string>>::with<std::vector<storage::job_record>>,
    caf::replies_to<list_atom, storage::job_filter>::with<std::vector<storage::job_record>>,
    caf::replies_to<items_atom, storage::item_filter>::with<std::vector<storage::item_record>>,
    caf::replies_to<items_atom, std::string>::with<std::vector<storage::item_record>>,
    caf::replies_to<status_atom, std::string>::with<std::vector<storage::job_record>>,
    caf::replies_to<stalled_atom, std::int64_t>::with<std::vector<storage::job_record>>,
    caf::replies_to<statistics_atom, std::int64_t>::with<std::vector<storage::finished_counts>>,
    caf::replies_to<schedule_atom>::with<std::vector<storage::schedule_record>>,
    caf::replies_to<cleanup_atom, std::int64_t>::with<std::int64_t>>;

/// How long a lazy write may wait for others to share its commit. A thousand running jobs
/// flush their progress 4,000 times a second; committed as they came, ~500 commits a second of
/// ~29 rows each wrote the same pages to the WAL again and again (30 of ~470 rows now).
constexpr std::chrono::milliseconds k_lazy_write_wait{25};

/// Spawns the writer over `db` (which it then owns); at most `batch_max` writes per transaction.
/// Each transaction's time and rows, and each sync's time, go to `counts`, when given.
/// `before_sync`, for tests, runs on the syncing thread before each sync of the WAL.
/// `lazy_wait`: how long a lazy write may wait (tests lengthen it).
storage_writer_actor spawn_storage_writer(caf::actor_system& sys, std::shared_ptr<soci::session> db,
                                          std::size_t batch_max, std::shared_ptr<metrics> counts = nullptr,
                                          std::function<void()> before_sync = {},
                                          std::chrono::milliseconds lazy_wait = k_lazy_write_wait);

/// Spawns a reader over `db` (which it then owns).
storage_reader_actor spawn_storage_reader(caf::actor_system& sys, std::shared_ptr<soci::session> db);

}  // namespace jobmesh::actors
