#include "net/submit_lane.hpp"

#include "actors/errors.hpp"

#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace jobmesh::net {

namespace {

struct waiting {
  actors::job_spec spec;
  submit_lane::on_taken taken;
  submit_lane::on_refused refused;
};

}  // namespace

struct submit_lane::state {
  /// Not owned: a call in flight keeps this state, and its callbacks live in a bridge actor, so
  /// owning the bridge here would keep it (and them) alive past the server's end.
  std::weak_ptr<const actor_bridge> bridge;
  actors::job_supervisor_actor supervisor;
  std::chrono::milliseconds timeout;
  std::mutex mutex;
  std::vector<waiting> queue;  ///< guarded by mutex
  std::size_t in_flight = 0;   ///< guarded by mutex
};

namespace {

using lane_state = std::shared_ptr<submit_lane::state>;

// Each submission's own answer out of the call's.
void answer_each(std::vector<waiting>& batch, actors::bulk_submission& answer) {
  std::unordered_map<std::int64_t, std::size_t> taken_at;  // submission -> position in answer.jobs
  for (std::size_t k = 0; k < answer.indexes.size(); ++k)
    taken_at.emplace(answer.indexes[k], k);
  std::unordered_map<std::int64_t, const actors::submission_refusal*> refusal_of;
  for (const auto& r : answer.refused)
    refusal_of.emplace(r.index, &r);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto index = static_cast<std::int64_t>(i);
    if (auto r = refusal_of.find(index); r != refusal_of.end()) {
      auto e = actors::error_of(*r->second);  // as the supervisor answers one submission
      detail::run_guarded([&] { batch[i].refused(e); });
    } else if (auto k = taken_at.find(index); k != taken_at.end()) {
      detail::run_guarded([&] { batch[i].taken(answer.jobs[k->second], answer.created[k->second] != 0); });
    } else {
      auto e = actors::make_error(actors::errc::internal, "the submission got no answer");
      detail::run_guarded([&] { batch[i].refused(e); });
    }
  }
}

// Sends what waits as one call, or, when nothing does, gives its place back.
void send(const lane_state& s) {
  std::vector<waiting> batch;
  {
    std::lock_guard lock{s->mutex};
    batch.swap(s->queue);
    if (batch.empty()) {
      --s->in_flight;
      return;
    }
  }
  auto bridge = s->bridge.lock();
  if (!bridge) {  // the server is stopping
    for (auto& w : batch) {
      caf::error e = caf::sec::request_timeout;
      detail::run_guarded([&] { w.refused(e); });
    }
    std::lock_guard lock{s->mutex};
    --s->in_flight;
    return;
  }
  std::vector<actors::job_spec> specs;
  specs.reserve(batch.size());
  for (auto& w : batch)
    specs.push_back(std::move(w.spec));
  auto items = std::make_shared<std::vector<waiting>>(std::move(batch));
  ask(
      *bridge, s->supervisor, s->timeout,
      [s, items](actors::bulk_submission& answer) {
        answer_each(*items, answer);
        send(s);
      },
      [s, items](caf::error& e) {
        for (auto& w : *items) {
          auto copy = e;
          detail::run_guarded([&] { w.refused(copy); });
        }
        send(s);
      },
      actors::submit_atom::value, actors::singles_atom::value, std::move(specs));
}

}  // namespace

submit_lane::submit_lane(std::shared_ptr<const actor_bridge> bridge, actors::job_supervisor_actor supervisor,
                         std::chrono::milliseconds timeout)
    : state_(std::make_shared<state>()) {
  state_->bridge = std::move(bridge);
  state_->supervisor = std::move(supervisor);
  state_->timeout = timeout;
}

void submit_lane::submit(actors::job_spec spec, on_taken taken, on_refused refused) const {
  bool start = false;
  {
    std::lock_guard lock{state_->mutex};
    state_->queue.push_back({std::move(spec), std::move(taken), std::move(refused)});
    if (state_->in_flight < k_in_flight) {
      ++state_->in_flight;
      start = true;
    }
  }
  if (start)
    send(state_);
}

}  // namespace jobmesh::net
