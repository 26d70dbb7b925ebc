#pragma once
// Asking an actor from a thread that may block (a worker running an item, a planner) and
// waiting for the answer: what job types do to reach the shards and storage.

#include "actors/errors.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <stdexcept>

namespace jobmesh::actors::detail {

/// How long a job type's step waits for a shard, storage or another service actor before its
/// item (or batch) fails.
inline constexpr std::chrono::milliseconds k_ask_timeout = std::chrono::minutes(2);

/// Asks `dest` and waits at most `timeout` for a `T` or its error.
template <class T, class Handle, class... Ts>
caf::expected<T> blocking_ask(caf::actor_system& sys, std::chrono::milliseconds timeout, const Handle& dest,
                              Ts&&... xs) {
  caf::scoped_actor self{sys};
  caf::expected<T> out{caf::error{}};
  bool answered = false;
  self->request(dest, timeout, std::forward<Ts>(xs)...)
      .receive(
          [&](T& x) {
            out = std::move(x);
            answered = true;
          },
          [&](caf::error& e) { out = std::move(e); });
  if (!answered && !out.error())
    out = make_error(errc::internal, "no answer");
  return out;
}

/// As `blocking_ask`, an error thrown: it fails the item or batch that asked.
template <class T, class Handle, class... Ts>
T blocking_ask_or_throw(caf::actor_system& sys, std::chrono::milliseconds timeout, const Handle& dest, Ts&&... xs) {
  auto out = blocking_ask<T>(sys, timeout, dest, std::forward<Ts>(xs)...);
  if (!out)
    throw std::runtime_error(message_of(out.error()));
  return std::move(*out);
}

}  // namespace jobmesh::actors::detail
