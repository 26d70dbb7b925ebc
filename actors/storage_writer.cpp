#include "actors/errors.hpp"
#include "actors/storage_actors.hpp"
#include "actors/thread_priority.hpp"
#include "storage/activity_repository.hpp"
#include "storage/database.hpp"
#include "storage/wal_checkpointer.hpp"
#include "storage/wal_file.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <span>
#include <fmt/format.h>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

namespace jobmesh::actors {

namespace {

struct pending_write {
  storage::write_batch batch;
  std::optional<caf::typed_response_promise<caf::ok_atom>> promise;
  /// Set instead of `promise` for a write that wants the refused fences listed.
  std::optional<caf::typed_response_promise<std::vector<std::string>>> listed;
};

using sync_atom = caf::atom_constant<caf::atom("sync")>;

/// Commits the writer made so far; read by its syncer (another thread).
using commit_count = std::atomic<std::uint64_t>;

/// The writer's syncer: every answer of the writer passes through it, in the writer's order,
/// and leaves once the WAL is synced past the commit it answers for.
///   (sync_atom, commits, reply)  -> reply   after a sync begun after commit number `commits`
///   (done_atom)                             syncs what is committed and stops
struct syncer_state {
  /// Null when commits are durable as they return (synchronous = FULL, or PostgreSQL).
  std::unique_ptr<storage::wal_file> wal;
  std::shared_ptr<const commit_count> committed;
  std::uint64_t synced = 0;
  std::function<void()> before_sync;
  std::shared_ptr<metrics> counts;
  static inline const char* name = "storage_syncer";
};

void sync_up_to_date(syncer_state& st) {
  auto upto = st.committed->load(std::memory_order_acquire);
  if (!st.wal || upto <= st.synced)
    return;
  if (st.before_sync)
    st.before_sync();
  auto start = std::chrono::steady_clock::now();
  try {
    st.wal->sync();
  } catch (const std::exception& e) {
    // What the failed sync covered may be gone from the page cache without being on the disk,
    // and another sync could succeed without it: nothing may be acknowledged from here on. As
    // PostgreSQL does on a failed fsync, stop; the restart recovers from what the disk holds.
    spdlog::critical("storage: {}; stopping, commits since the last sync may be lost and none was acknowledged",
                     e.what());
    spdlog::shutdown();
    std::abort();
  }
  if (st.counts)
    st.counts->sync(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  st.synced = upto;
}

caf::behavior syncer(caf::stateful_actor<syncer_state>* self, std::unique_ptr<storage::wal_file> wal,
                     std::shared_ptr<const commit_count> committed, std::function<void()> before_sync,
                     std::shared_ptr<metrics> counts) {
  ::pthread_setname_np(::pthread_self(), "jobmesh.sync");
  auto& st = self->state;
  st.wal = std::move(wal);
  st.committed = std::move(committed);
  st.before_sync = std::move(before_sync);
  st.counts = std::move(counts);
  return {
      [=](sync_atom, std::uint64_t commits, caf::message& reply) -> caf::message {
        // One sync answers every reply queued behind this one whose commit it covers.
        if (commits > self->state.synced)
          sync_up_to_date(self->state);
        return std::move(reply);
      },
      [=](done_atom) {
        sync_up_to_date(self->state);
        self->quit();
      },
  };
}

struct writer_state {
  std::shared_ptr<soci::session> db;
  /// SQLite's WAL checkpoints, off this actor's commits; declared after `db`, so it stops first.
  std::optional<storage::wal_checkpointer> checkpoints;
  /// The writes' statements, prepared once; declared after `db`, so they are finalised first.
  storage::prepared_writes statements;
  std::size_t batch_max = 1024;
  std::vector<pending_write> pending;
  std::size_t pending_size = 0;
  bool flush_scheduled = false;
  bool lazy_flush_scheduled = false;  ///< a delayed flush for lazy writes is on its way
  std::chrono::milliseconds lazy_wait = k_lazy_write_wait;
  std::shared_ptr<metrics> counts;
  /// Where every answer goes before it leaves (see syncer_state), with the count of commits it
  /// follows.
  caf::actor syncer;
  std::shared_ptr<commit_count> committed = std::make_shared<commit_count>(0);
  static inline const char* name = "storage_writer";
};

// Answers `promise` with `reply` once every commit made so far is durable.
template <class Promise>
void reply_when_synced(writer_state& st, Promise& promise, caf::message reply) {
  promise.delegate(st.syncer, sync_atom::value, st.committed->load(std::memory_order_relaxed), std::move(reply));
}

using writer_pointer = storage_writer_actor::stateful_pointer<writer_state>;

caf::error storage_error(const std::exception& e) {
  return make_error(errc::storage_failure, e.what());
}

void reply_when_synced(writer_state& st, pending_write& w, caf::message reply) {
  if (w.promise)
    reply_when_synced(st, *w.promise, std::move(reply));
  else
    reply_when_synced(st, *w.listed, std::move(reply));
}

// Ok, or `stale_attempt` when a job this write fenced was refused: its writer is a runner whose
// attempt is no longer the job's (the rest of its batch, if any, is committed).
void answer(writer_state& st, pending_write& w, const std::vector<std::string>& refused) {
  if (w.listed) {
    std::vector<std::string> mine;
    for (const auto& fence : w.batch.fences)
      if (std::find(refused.begin(), refused.end(), fence.job_id) != refused.end())
        mine.push_back(fence.job_id);
    reply_when_synced(st, w, caf::make_message(std::move(mine)));
    return;
  }
  for (const auto& fence : w.batch.fences)
    if (std::find(refused.begin(), refused.end(), fence.job_id) != refused.end()) {
      spdlog::warn("job {}: refused a write of a stale runner (it expected attempt {} {}; storage has another)",
                   fence.job_id, fence.attempt, storage::to_string(fence.status));
      reply_when_synced(st, w,
                        caf::make_message(make_error(
                            errc::stale_attempt, fmt::format("job {}: attempt {} is no longer the job's current attempt",
                                                             fence.job_id, fence.status == storage::job_status::queued
                                                                               ? fence.attempt + 1
                                                                               : fence.attempt))));
      return;
    }
  reply_when_synced(st, w, caf::make_message(caf::ok_atom::value));
}

// When the shared transaction fails, each write gets its own so one bad write (a duplicate
// key, say) fails alone instead of failing everyone who shared its transaction.
// One transaction, timed for the metrics; what storage refused of each batch (stale fences).
std::vector<std::vector<std::string>> timed_commit(writer_state& st, std::span<const storage::write_batch* const> batches) {
  auto start = std::chrono::steady_clock::now();
  auto refused = storage::commit(*st.db, batches, &st.statements);
  st.committed->fetch_add(1, std::memory_order_release);
  if (st.counts) {
    std::size_t rows = 0;
    for (const auto* b : batches)
      rows += b->size();
    st.counts->commit(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), rows);
  }
  return refused;
}

void commit_one_by_one(writer_state& st, std::vector<pending_write>& writes) {
  for (auto& w : writes) {
    try {
      const storage::write_batch* one = &w.batch;
      answer(st, w, timed_commit(st, {&one, 1}).front());
    } catch (const std::exception& e) {
      spdlog::error("storage: write of {} rows failed: {}", w.batch.size(), e.what());
      // Through the syncer too: after the answers to the writes committed before it.
      reply_when_synced(st, w, caf::make_message(storage_error(e)));
    }
  }
}

void flush(writer_state& st) {
  auto writes = std::move(st.pending);
  st.pending.clear();
  st.pending_size = 0;
  if (writes.empty())
    return;
  if (writes.size() == 1)
    return commit_one_by_one(st, writes);
  std::vector<const storage::write_batch*> batches;
  batches.reserve(writes.size());
  for (const auto& w : writes)
    batches.push_back(&w.batch);
  std::vector<std::vector<std::string>> refused;
  try {
    refused = timed_commit(st, batches);
  } catch (const std::exception& e) {
    spdlog::warn("storage: group commit of {} writes failed ({}); retrying one by one", writes.size(), e.what());
    return commit_one_by_one(st, writes);
  }
  for (std::size_t i = 0; i < writes.size(); ++i)
    answer(st, writes[i], refused[i]);
}

// Joins the next commit: at once when enough rows wait, else once the mailbox's writes are in
// (a lazy write: once k_lazy_write_wait has passed, unless another write comes first).
void take(writer_pointer self, pending_write w, bool lazy = false) {
  auto& st = self->state;
  st.pending_size += w.batch.size();
  st.pending.push_back(std::move(w));
  if (st.pending_size >= st.batch_max) {
    flush(st);
  } else if (!lazy && !st.flush_scheduled) {
    // Queued behind every write already in the mailbox: they all join this commit.
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  } else if (lazy && !st.flush_scheduled && !st.lazy_flush_scheduled) {
    st.lazy_flush_scheduled = true;
    self->delayed_send(self, st.lazy_wait, flush_atom::value, lazy_atom::value);
  }
}

// `work` on the writer's session after the writes already taken are committed, its result (or
// its failure) answered through the syncer like theirs; `commits`: `work` is a transaction.
template <class T, class Work>
caf::result<T> run_apart(writer_pointer self, bool commits, Work work) {
  auto& st = self->state;
  flush(st);
  auto promise = self->make_response_promise<T>();
  try {
    auto out = work(*st.db);
    if (commits)
      st.committed->fetch_add(1, std::memory_order_release);
    reply_when_synced(st, promise, caf::make_message(std::move(out)));
  } catch (const std::exception& e) {
    reply_when_synced(st, promise, caf::make_message(storage_error(e)));
  }
  return promise;
}

// The WAL synced by the syncer's thread, the writer's connection then committing without a sync
// of its own; null (and the connection left at FULL) where that cannot be.
std::unique_ptr<storage::wal_file> sync_apart(soci::session& db) {
  if (storage::sqlite_connection(db) == nullptr)
    return nullptr;
  try {
    auto wal = std::make_unique<storage::wal_file>(db);
    db << "PRAGMA synchronous = NORMAL";
    return wal;
  } catch (const std::exception& e) {
    spdlog::warn("storage: {}; every commit syncs the log itself", e.what());
    return nullptr;
  }
}

storage_writer_actor::behavior_type writer(writer_pointer self, std::shared_ptr<soci::session> db,
                                           std::size_t batch_max, std::shared_ptr<metrics> counts,
                                           std::function<void()> before_sync, std::chrono::milliseconds lazy_wait) {
  // Named so that `top -H` and `perf` tell it apart from the other detached actors' threads.
  ::pthread_setname_np(::pthread_self(), "jobmesh.writer");
  auto& st = self->state;
  st.db = std::move(db);
  if (storage::wal_checkpointer::serves(*st.db)) {
    try {
      st.checkpoints.emplace(*st.db);
    } catch (const std::exception& e) {
      spdlog::warn("storage: {}; the writer checkpoints by itself", e.what());
    }
  }
  // Spawned from here, its thread keeps the process's priority (it mostly waits on the disk).
  st.syncer = self->spawn<caf::detached>(syncer, sync_apart(*st.db), st.committed, std::move(before_sync), counts);
  // Stopped by a message, after the answers queued before it: a write committed is answered.
  self->attach_functor([syncer = st.syncer](const caf::error&) { caf::anon_send(syncer, done_atom::value); });
  // After the checkpointer's and the syncer's threads started: they keep the process's priority.
  if (run_ahead(k_writer_nice_lead))
    spdlog::debug("storage: the writer's thread runs at nice -{} from the process's", k_writer_nice_lead);
  else
    spdlog::info("storage: the writer's thread could not run ahead of the others (it needs CAP_SYS_NICE or "
                 "RLIMIT_NICE); it runs at the process's priority");
  st.batch_max = batch_max;
  st.lazy_wait = lazy_wait;
  st.counts = std::move(counts);
  // Told to stop, it commits what is pending first: lazy writes may still be waiting. (A
  // normal exit of a linked actor is ignored, as CAF's default handler does.)
  self->set_exit_handler([=](caf::exit_msg& m) {
    flush(self->state);
    if (m.reason != caf::exit_reason::normal)
      self->quit(m.reason);
  });
  return {
      [=](write_atom, storage::write_batch& batch) -> caf::result<caf::ok_atom> {
        auto promise = self->make_response_promise<caf::ok_atom>();
        take(self, {std::move(batch), promise, std::nullopt});
        return promise;
      },
      [=](write_atom, storage::write_batch& batch, fences_atom) -> caf::result<std::vector<std::string>> {
        auto promise = self->make_response_promise<std::vector<std::string>>();
        take(self, {std::move(batch), std::nullopt, promise});
        return promise;
      },
      [=](write_atom, storage::write_batch& batch, lazy_atom) -> caf::result<caf::ok_atom> {
        auto promise = self->make_response_promise<caf::ok_atom>();
        take(self, {std::move(batch), promise, std::nullopt}, true);
        return promise;
      },
      [=](cleanup_atom, std::int64_t now_ms, std::int64_t limit) -> caf::result<std::int64_t> {
        // Its own transaction, after the writes already taken (they may end jobs it would see).
        return run_apart<std::int64_t>(
            self, true, [&](soci::session& db) { return storage::delete_expired_jobs(db, now_ms, limit); });
      },
      [=](orphan_atom, const std::string& table, std::int64_t limit) -> caf::result<storage::orphan_deletion> {
        const auto* t = storage::find_orphan_table(table);
        if (t == nullptr)
          return make_error(errc::invalid_argument, fmt::format("no table {} has orphans", table));
        // The writes already taken first: they may store a deleted record again.
        return run_apart<storage::orphan_deletion>(
            self, true, [&](soci::session& db) { return storage::delete_orphans(db, *t, limit); });
      },
      [=](activity_atom, const std::vector<std::string>& candidate_ids) -> caf::result<std::vector<storage::activity_row>> {
        // A read, answered through the syncer all the same: after the writes taken before it.
        return run_apart<std::vector<storage::activity_row>>(
            self, false, [&](soci::session& db) { return storage::activity_of(db, candidate_ids); });
      },
      [=](flush_atom) {
        self->state.flush_scheduled = false;
        flush(self->state);
      },
      [=](flush_atom, lazy_atom) {
        self->state.lazy_flush_scheduled = false;
        flush(self->state);  // nothing when another write took them along meanwhile
      },
  };
}

}  // namespace

storage_writer_actor spawn_storage_writer(caf::actor_system& sys, std::shared_ptr<soci::session> db,
                                          std::size_t batch_max, std::shared_ptr<metrics> counts,
                                          std::function<void()> before_sync, std::chrono::milliseconds lazy_wait) {
  return sys.spawn<caf::detached>(writer, std::move(db), batch_max, std::move(counts), std::move(before_sync),
                                  lazy_wait);
}

}  // namespace jobmesh::actors
