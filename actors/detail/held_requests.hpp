#pragma once
// Requests that reach an actor before it is ready (its load from storage still running) wait
// in a list and are delegated back to it, in order, when the list is replayed.

#include <caf/all.hpp>

#include <functional>
#include <utility>
#include <vector>

namespace jobmesh::actors::detail {

using held_requests = std::vector<std::function<void()>>;

/// Keeps the request (its message `xs...`) in `held`; its answer is the promise returned.
template <class Handle, class Reply, class Self, class... Ts>
caf::typed_response_promise<Reply> hold_request(Self self, held_requests& held, Ts... xs) {
  auto promise = self->template make_response_promise<Reply>();
  held.push_back([self, promise, xs...]() mutable { promise.delegate(caf::actor_cast<Handle>(self), xs...); });
  return promise;
}

/// Runs every held request, in the order they came.
inline void replay(held_requests& held) {
  for (auto& request : std::exchange(held, {}))
    request();
}

}  // namespace jobmesh::actors::detail
