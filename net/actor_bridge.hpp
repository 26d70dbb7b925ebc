#pragma once
/// The crossing from Asio threads into the actor world (DESIGN.md "Threads"): a request from a
/// network session becomes a short-lived actor that sends one request and hands the answer to a
/// callback. The callback runs on a CAF thread: it must only post to the session's strand.

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>

namespace jobmesh::net {

/// Sends `args...` to `dst` and calls `on_ok(results...)` or `on_error(caf::error&)` within
/// `timeout`. Safe to call from any thread.
template <class Handle, class OnOk, class OnError, class... Ts>
void ask(caf::actor_system& sys, const Handle& dst, std::chrono::milliseconds timeout, OnOk on_ok, OnError on_error,
         Ts... args) {
  // dst travels as a spawn argument: CAF 0.17 mishandles actors spawned without any.
  sys.spawn(
      [=](caf::event_based_actor* self, Handle to) {
        self->request(to, timeout, args...).then(on_ok, [on_error](caf::error& e) { on_error(e); });
      },
      dst);
}

}  // namespace jobmesh::net
