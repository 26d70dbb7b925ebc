#include "actors/worker_pool.hpp"

#include <chrono>
#include <deque>

namespace jobmesh::actors {

namespace {

struct queued_batch {
  work_batch batch;
  caf::typed_response_promise<batch_result> promise;
};

struct pool_state {
  std::vector<worker_actor> idle;
  std::deque<queued_batch> waiting;
  static inline const char* name = "worker_pool";
};

using pool_pointer = worker_pool_actor::stateful_pointer<pool_state>;

std::int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

item_result run_item(const work_batch& batch, std::size_t position) {
  item_result r;
  r.index = batch.indexes[position];
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t attempt = 1; attempt <= batch.item_max_attempts; ++attempt) {
    r.attempts = attempt;
    bool again = try_item(*batch.plan, item_ref{r.index, batch.keys[position], attempt}, r);
    if (r.ok || !again || batch.stop->load(std::memory_order_relaxed))
      break;
  }
  r.processing_time_ms = ms_since(start);
  return r;
}

// The plan handles the whole batch at once; items that fail are tried again together.
batch_result run_together(const work_batch& batch) {
  batch_result out;
  out.items.resize(batch.indexes.size());
  std::vector<std::size_t> open(batch.indexes.size());
  for (std::size_t i = 0; i < open.size(); ++i) {
    open[i] = i;
    out.items[i].index = batch.indexes[i];
  }
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t attempt = 1; attempt <= batch.item_max_attempts && !open.empty(); ++attempt) {
    if (attempt > 1 && batch.stop->load(std::memory_order_relaxed))
      break;
    std::vector<item_ref> refs;
    for (auto i : open)
      refs.push_back({batch.indexes[i], batch.keys[i], attempt});
    std::vector<item_outcome> outcomes;
    std::string thrown;
    try {
      outcomes = batch.plan->handle_batch(refs);
      if (outcomes.size() != refs.size())
        thrown = "the job type answered for a different number of items";
    } catch (const std::exception& e) {
      thrown = e.what();
    }
    std::vector<std::size_t> still_open;
    for (std::size_t n = 0; n < open.size(); ++n) {
      auto& r = out.items[open[n]];
      r.attempts = attempt;
      r.ok = thrown.empty() && outcomes[n].ok;
      r.error = thrown.empty() ? std::move(outcomes[n].error) : thrown;
      r.result = thrown.empty() ? std::move(outcomes[n].result) : std::string{};
      if (!r.ok && (!thrown.empty() || !outcomes[n].permanent))
        still_open.push_back(open[n]);
    }
    open = std::move(still_open);
  }
  auto each = ms_since(start) / static_cast<std::int64_t>(std::max<std::size_t>(batch.indexes.size(), 1));
  for (auto& r : out.items)
    r.processing_time_ms = each;
  return out;
}

worker_actor::behavior_type worker(worker_actor::pointer self, worker_pool_actor pool) {
  return {
      [=](run_atom, const work_batch& batch) {
        auto result = run_batch(batch);
        self->send(pool, idle_atom::value, caf::actor_cast<worker_actor>(self));
        return result;
      },
  };
}

worker_pool_actor::behavior_type pool(pool_pointer self, std::size_t workers) {
  for (std::size_t i = 0; i < workers; ++i)
    self->state.idle.push_back(
        self->spawn<caf::detached + caf::linked>(worker, caf::actor_cast<worker_pool_actor>(self)));
  return {
      [=](run_atom, work_batch& batch) -> caf::result<batch_result> {
        auto promise = self->make_response_promise<batch_result>();
        auto& st = self->state;
        if (st.idle.empty()) {
          st.waiting.push_back({std::move(batch), promise});
        } else {
          auto w = st.idle.back();
          st.idle.pop_back();
          promise.delegate(w, run_atom::value, std::move(batch));
        }
        return promise;
      },
      [=](idle_atom, worker_actor w) {
        auto& st = self->state;
        // A batch whose job was stopped meanwhile is answered empty, not run.
        while (!st.waiting.empty() && st.waiting.front().batch.stop->load(std::memory_order_relaxed)) {
          st.waiting.front().promise.deliver(batch_result{});
          st.waiting.pop_front();
        }
        if (st.waiting.empty()) {
          st.idle.push_back(std::move(w));
          return;
        }
        auto next = std::move(st.waiting.front());
        st.waiting.pop_front();
        next.promise.delegate(w, run_atom::value, std::move(next.batch));
      },
      [=](cancel_atom, const std::string& job_id) {
        auto& waiting = self->state.waiting;
        auto kept = std::stable_partition(waiting.begin(), waiting.end(),
                                          [&](const auto& entry) { return entry.batch.job_id != job_id; });
        for (auto it = kept; it != waiting.end(); ++it)
          it->promise.deliver(batch_result{});
        waiting.erase(kept, waiting.end());
      },
  };
}

}  // namespace

bool try_item(const job_plan& plan, const item_ref& item, item_result& r) {
  try {
    auto outcome = plan.handle(item);
    r.ok = outcome.ok;
    r.error = std::move(outcome.error);
    r.result = std::move(outcome.result);
    return !outcome.permanent;
  } catch (const std::exception& e) {
    r.ok = false;
    r.error = e.what();
  }
  return true;
}

batch_result run_batch(const work_batch& batch) {
  if (batch.stop->load(std::memory_order_relaxed))
    return {};
  if (batch.plan->handle_batch)
    return run_together(batch);
  batch_result out;
  out.items.reserve(batch.indexes.size());
  for (std::size_t i = 0; i < batch.indexes.size(); ++i) {
    if (batch.stop->load(std::memory_order_relaxed))
      break;
    out.items.push_back(run_item(batch, i));
  }
  return out;
}

worker_pool_actor spawn_worker_pool(caf::actor_system& sys, std::size_t workers) {
  return sys.spawn(pool, workers);
}

}  // namespace jobmesh::actors
