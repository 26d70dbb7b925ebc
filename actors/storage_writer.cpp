#include "actors/errors.hpp"
#include "actors/storage_actors.hpp"
#include "actors/thread_priority.hpp"
#include "storage/activity_repository.hpp"
#include "storage/wal_checkpointer.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
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

  void fail(caf::error e) {
    if (promise)
      promise->deliver(std::move(e));
    else
      listed->deliver(std::move(e));
  }
};

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
  std::shared_ptr<metrics> counts;
  static inline const char* name = "storage_writer";
};

using writer_pointer = storage_writer_actor::stateful_pointer<writer_state>;

caf::error storage_error(const std::exception& e) {
  return make_error(errc::storage_failure, e.what());
}

// Ok, or `stale_attempt` when a job this write fenced was refused: its writer is a runner whose
// attempt is no longer the job's (the rest of its batch, if any, is committed).
void answer(pending_write& w, const std::vector<std::string>& refused) {
  if (w.listed) {
    std::vector<std::string> mine;
    for (const auto& fence : w.batch.fences)
      if (std::find(refused.begin(), refused.end(), fence.job_id) != refused.end())
        mine.push_back(fence.job_id);
    w.listed->deliver(std::move(mine));
    return;
  }
  for (const auto& fence : w.batch.fences)
    if (std::find(refused.begin(), refused.end(), fence.job_id) != refused.end()) {
      spdlog::warn("job {}: refused a write of a stale runner (it expected attempt {} {}; storage has another)",
                   fence.job_id, fence.attempt, storage::to_string(fence.status));
      w.promise->deliver(make_error(errc::stale_attempt,
                                   fmt::format("job {}: attempt {} is no longer the job's current attempt",
                                               fence.job_id, fence.status == storage::job_status::queued
                                                                 ? fence.attempt + 1
                                                                 : fence.attempt)));
      return;
    }
  w.promise->deliver(caf::ok_atom::value);
}

// When the shared transaction fails, each write gets its own so one bad write (a duplicate
// key, say) fails alone instead of failing everyone who shared its transaction.
// One transaction, timed for the metrics; what storage refused of each batch (stale fences).
std::vector<std::vector<std::string>> timed_commit(writer_state& st, std::span<const storage::write_batch* const> batches) {
  auto start = std::chrono::steady_clock::now();
  auto refused = storage::commit(*st.db, batches, &st.statements);
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
      answer(w, timed_commit(st, {&one, 1}).front());
    } catch (const std::exception& e) {
      spdlog::error("storage: write of {} rows failed: {}", w.batch.size(), e.what());
      w.fail(storage_error(e));
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
    answer(writes[i], refused[i]);
}

// Joins the next commit: at once when enough rows wait, else once the mailbox's writes are in.
void take(writer_pointer self, pending_write w) {
  auto& st = self->state;
  st.pending_size += w.batch.size();
  st.pending.push_back(std::move(w));
  if (st.pending_size >= st.batch_max) {
    flush(st);
  } else if (!st.flush_scheduled) {
    // Queued behind every write already in the mailbox: they all join this commit.
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

storage_writer_actor::behavior_type writer(writer_pointer self, std::shared_ptr<soci::session> db,
                                           std::size_t batch_max, std::shared_ptr<metrics> counts) {
  // Named so that `top -H` and `perf` tell it apart from the other detached actors' threads.
  ::pthread_setname_np(::pthread_self(), "jobmesh.writer");
  self->state.db = std::move(db);
  if (storage::wal_checkpointer::serves(*self->state.db)) {
    try {
      self->state.checkpoints.emplace(*self->state.db);
    } catch (const std::exception& e) {
      spdlog::warn("storage: {}; the writer checkpoints by itself", e.what());
    }
  }
  // After the checkpointer's thread started: it keeps the process's priority.
  if (run_ahead(k_writer_nice_lead))
    spdlog::debug("storage: the writer's thread runs at nice -{} from the process's", k_writer_nice_lead);
  else
    spdlog::info("storage: the writer's thread could not run ahead of the others (it needs CAP_SYS_NICE or "
                 "RLIMIT_NICE); it runs at the process's priority");
  self->state.batch_max = batch_max;
  self->state.counts = std::move(counts);
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
      [=](cleanup_atom, std::int64_t now_ms, std::int64_t limit) -> caf::result<std::int64_t> {
        // Its own transaction, after the writes already taken (they may end jobs it would see).
        flush(self->state);
        try {
          return storage::delete_expired_jobs(*self->state.db, now_ms, limit);
        } catch (const std::exception& e) {
          return storage_error(e);
        }
      },
      [=](orphan_atom, const std::string& table, std::int64_t limit) -> caf::result<storage::orphan_deletion> {
        const auto* t = storage::find_orphan_table(table);
        if (t == nullptr)
          return make_error(errc::invalid_argument, fmt::format("no table {} has orphans", table));
        flush(self->state);  // the writes already taken first: they may store a deleted record again
        try {
          return storage::delete_orphans(*self->state.db, *t, limit);
        } catch (const std::exception& e) {
          return storage_error(e);
        }
      },
      [=](activity_atom, const std::vector<std::string>& candidate_ids) -> caf::result<std::vector<storage::activity_row>> {
        flush(self->state);
        try {
          return storage::activity_of(*self->state.db, candidate_ids);
        } catch (const std::exception& e) {
          return storage_error(e);
        }
      },
      [=](flush_atom) {
        self->state.flush_scheduled = false;
        flush(self->state);
      },
  };
}

}  // namespace

storage_writer_actor spawn_storage_writer(caf::actor_system& sys, std::shared_ptr<soci::session> db,
                                          std::size_t batch_max, std::shared_ptr<metrics> counts) {
  return sys.spawn<caf::detached>(writer, std::move(db), batch_max, std::move(counts));
}

}  // namespace jobmesh::actors
