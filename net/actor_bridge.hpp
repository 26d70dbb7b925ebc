#pragma once
/// The crossing from Asio threads into the actor world (DESIGN.md "Threads"): a request from a
/// network session goes to one of a few long-lived bridge actors, which sends it to its actor
/// and hands the answer to a callback. The callback runs on a CAF thread: it must only post to
/// the session's I/O thread.
///
/// Why long-lived actors and their own deadlines: an actor spawned per request, with CAF's
/// request timeout, costs a spawn, a registry entry and two commands to CAF's clock thread per
/// request (its timeout, then its cancellation when the actor ends), each waking that thread;
/// on a 2-core VM where a thread hand-off is the expensive part, that was a large share of a
/// request's CPU. A bridge actor instead keeps its requests' deadlines in a map and wakes on the
/// earliest one only: a request answered in time costs an insert and an erase.

#include <caf/actor_system.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace jobmesh::net {

namespace detail {

/// What one bridge actor keeps: the deadline of each request it sent and not yet settled.
struct bridge_state {
  using clock = std::chrono::steady_clock;
  using key = std::pair<clock::time_point, std::uint64_t>;

  std::map<key, std::function<void()>> pending;  ///< deadline -> what answers a timeout
  std::uint64_t next_id = 0;
  std::uint64_t tick_seq = 0;                     ///< the one tick still meant
  clock::time_point tick_at = clock::time_point::max();

  /// Registers a request due within `timeout`; `on_timeout` runs if it is not settled by then.
  key expect(caf::event_based_actor* self, std::chrono::milliseconds timeout, std::function<void()> on_timeout);
  /// Marks the request answered; false when it was settled already (its timeout answered).
  bool settle(const key& k) { return pending.erase(k) > 0; }
  /// Runs the timeouts due by now and arms the next tick.
  void expire(caf::event_based_actor* self);
  void arm(caf::event_based_actor* self, clock::time_point at);
};

using bridge_actor_pointer = caf::stateful_actor<bridge_state>*;

/// Work for a bridge actor, run on its thread.
using bridge_task = std::function<void(bridge_actor_pointer)>;

/// Runs a caller's callback; an exception it throws is logged, not let through: it would end
/// the bridge actor, and with it every request that later goes its way.
void run_guarded(const std::function<void()>& callback) noexcept;

// The success handler CAF sees has `on_ok`'s exact parameters (CAF matches answers by them),
// and runs `on_ok` only when the request was not settled by its timeout.
template <class OnOk, class... Args>
auto settled_then(bridge_state* st, bridge_state::key k, OnOk on_ok, caf::detail::type_list<Args...>) {
  return [st, k, on_ok = std::move(on_ok)](Args... xs) mutable {
    if (st->settle(k))
      run_guarded([&] { on_ok(std::forward<Args>(xs)...); });
  };
}

}  // namespace detail

/// A few bridge actors (hidden: the actor system's shutdown does not wait for them), stopped
/// when this is destroyed; the actor system must outlive it.
class actor_bridge {
public:
  actor_bridge(caf::actor_system& sys, std::size_t actors);
  ~actor_bridge();
  actor_bridge(const actor_bridge&) = delete;
  actor_bridge& operator=(const actor_bridge&) = delete;

  /// Runs `task` on one of the bridge actors (round robin). Safe from any thread.
  void post(detail::bridge_task task) const;

private:
  std::vector<caf::actor> actors_;
  mutable std::atomic<std::size_t> next_{0};
};

/// Sends `args...` to `dst` and calls `on_ok(results...)` or `on_error(caf::error&)`, the
/// latter with `caf::sec::request_timeout` when no answer came within `timeout` (a late answer
/// is then dropped). Exactly one of them runs, on a CAF thread. Safe to call from any thread.
template <class Handle, class OnOk, class OnError, class... Ts>
void ask(const actor_bridge& bridge, const Handle& dst, std::chrono::milliseconds timeout, OnOk on_ok,
         OnError on_error, Ts... args) {
  bridge.post([=](detail::bridge_actor_pointer self) mutable {
    auto* st = &self->state;
    auto k = st->expect(self, timeout, [on_error]() mutable {
      caf::error e = caf::sec::request_timeout;
      detail::run_guarded([&] { on_error(e); });
    });
    using ok_args = typename caf::detail::get_callable_trait<OnOk>::arg_types;
    self->request(dst, caf::infinite, std::move(args)...)
        .then(detail::settled_then(st, k, std::move(on_ok), ok_args{}), [st, k, on_error](caf::error& e) mutable {
          if (st->settle(k))
            detail::run_guarded([&] { on_error(e); });
        });
  });
}

}  // namespace jobmesh::net
