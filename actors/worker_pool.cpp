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

item_result run_item(const work_batch& batch, std::int64_t index) {
  item_result r;
  r.index = index;
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t attempt = 1; attempt <= batch.item_max_attempts; ++attempt) {
    r.attempts = attempt;
    try {
      auto outcome = batch.plan->handle(index, attempt);
      r.ok = outcome.ok;
      r.error = std::move(outcome.error);
    } catch (const std::exception& e) {
      r.ok = false;
      r.error = e.what();
    }
    if (r.ok || batch.stop->load(std::memory_order_relaxed))
      break;
  }
  r.processing_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start).count();
  return r;
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
        if (st.waiting.empty()) {
          st.idle.push_back(std::move(w));
          return;
        }
        auto next = std::move(st.waiting.front());
        st.waiting.pop_front();
        next.promise.delegate(w, run_atom::value, std::move(next.batch));
      },
  };
}

}  // namespace

batch_result run_batch(const work_batch& batch) {
  batch_result out;
  out.items.reserve(batch.indexes.size());
  for (auto index : batch.indexes) {
    if (batch.stop->load(std::memory_order_relaxed))
      break;
    out.items.push_back(run_item(batch, index));
  }
  return out;
}

worker_pool_actor spawn_worker_pool(caf::actor_system& sys, std::size_t workers) {
  return sys.spawn(pool, workers);
}

}  // namespace jobmesh::actors
