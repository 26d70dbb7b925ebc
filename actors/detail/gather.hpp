#pragma once
// Fan-out and fan-in of requests inside an event-based actor.

#include <caf/error.hpp>

#include <memory>
#include <utility>
#include <vector>

namespace jobmesh::actors::detail {

/// Asks `n` actors (`ask(i)` sends the i-th request and returns its response handle) and calls
/// `done(parts, error)` once: with every reply in order, or with the first error.
template <class T, class Ask, class Done>
void gather(std::size_t n, Ask ask, Done done) {
  struct fan_in {
    std::vector<T> parts;
    std::size_t left = 0;
    bool failed = false;
  };
  auto state = std::make_shared<fan_in>();
  state->parts.resize(n);
  state->left = n;
  if (n == 0) {
    done(std::move(state->parts), caf::error{});
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    ask(i).then(
        [=](T& part) mutable {
          state->parts[i] = std::move(part);
          if (--state->left == 0 && !state->failed)
            done(std::move(state->parts), caf::error{});
        },
        [=](caf::error& e) mutable {
          if (!std::exchange(state->failed, true))
            done(std::vector<T>{}, std::move(e));
        });
}

}  // namespace jobmesh::actors::detail
