#include "net/actor_bridge.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::net::detail::bridge_task)

namespace jobmesh::net {

namespace detail {

namespace {

using bridge_tick_atom = caf::atom_constant<caf::atom("brtick")>;

// `index` only names the actor in logs: CAF 0.17 dereferences a null argument tuple when an
// actor is spawned with no argument at all (UBSan's finding), so it gets one.
caf::behavior bridge(bridge_actor_pointer self, std::size_t index) {
  self->attach_functor([index](const caf::error& reason) {
    if (reason && reason != caf::exit_reason::user_shutdown)
      spdlog::error("gateway: bridge actor {} stopped: {}", index, caf::to_string(reason));
  });
  return {
      [self](bridge_task& task) { run_guarded([&] { task(self); }); },
      [self](bridge_tick_atom, std::uint64_t seq) {
        if (seq == self->state.tick_seq)  // an earlier tick replaced it otherwise
          self->state.expire(self);
      },
  };
}

}  // namespace

void run_guarded(const std::function<void()>& callback) noexcept {
  try {
    callback();
  } catch (const std::exception& e) {
    spdlog::error("gateway: a request's callback failed: {}", e.what());
  } catch (...) {
    spdlog::error("gateway: a request's callback failed");
  }
}

bridge_state::key bridge_state::expect(caf::event_based_actor* self, std::chrono::milliseconds timeout,
                                       std::function<void()> on_timeout) {
  key k{clock::now() + timeout, ++next_id};
  pending.emplace(k, std::move(on_timeout));
  if (k.first < tick_at)
    arm(self, k.first);
  return k;
}

void bridge_state::expire(caf::event_based_actor* self) {
  tick_at = clock::time_point::max();
  auto now = clock::now();
  while (!pending.empty() && pending.begin()->first.first <= now) {
    auto on_timeout = std::move(pending.begin()->second);
    pending.erase(pending.begin());
    on_timeout();
  }
  if (!pending.empty())
    arm(self, pending.begin()->first.first);
}

void bridge_state::arm(caf::event_based_actor* self, clock::time_point at) {
  tick_at = at;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(at - clock::now()) + std::chrono::milliseconds(1);
  self->delayed_send(self, std::max(wait, std::chrono::milliseconds(1)), bridge_tick_atom::value, ++tick_seq);
}

}  // namespace detail

actor_bridge::actor_bridge(caf::actor_system& sys, std::size_t actors) {
  actors_.reserve(std::max<std::size_t>(actors, 1));
  for (std::size_t i = 0; i < std::max<std::size_t>(actors, 1); ++i)
    actors_.push_back(sys.spawn<caf::hidden>(detail::bridge, i));
}

actor_bridge::~actor_bridge() {
  for (const auto& a : actors_)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

void actor_bridge::post(detail::bridge_task task) const {
  caf::anon_send(actors_[next_.fetch_add(1, std::memory_order_relaxed) % actors_.size()], std::move(task));
}

}  // namespace jobmesh::net
