#pragma once
// The one way from the actor world back into the network world (DESIGN.md "Threads").
//
// Why it exists: an actor may be destroyed on any CAF thread at any time after it was told to
// stop, so whatever it holds must be safe to destroy after the server's io_context is gone. A
// strand executor or a session is not: destroying either touches the io_context's services.
// So an actor holds only a session's `outlet` and a weak pointer to the session:
// - the outlet holds the session's executor until the session ends (its destructor runs
//   inside the network world, while the io_context lives), and from then on posts nothing;
// - every outlet of a server also checks the server's `io_gate`, which the server closes before
//   it stops its threads, so nothing is posted into an io_context that is being destroyed.
// Posts go straight onto the session's executor (its I/O thread's io_context, run by that thread
// alone), so what one actor posts to one session keeps its order.
//
// The locks guard lifetimes, not shared data: posts take the gate shared (they never wait on
// each other); closing the gate or an outlet waits only for a post in progress.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>

namespace jobmesh::net::detail {

/// Open while the server runs; one per server.
class io_gate {
public:
  /// Once this returns, no outlet of this gate posts again. Any thread; idempotent.
  void close() {
    std::unique_lock lock{mutex_};
    open_ = false;
  }

  /// Posts `handler` to `executor` while open, or destroys it here. Any thread.
  template <class Executor, class Handler>
  bool post(const Executor& executor, Handler&& handler) {
    std::shared_lock lock{mutex_};
    if (!open_)
      return false;
    boost::asio::post(executor, std::forward<Handler>(handler));
    return true;
  }

private:
  std::shared_mutex mutex_;
  bool open_ = true;
};

/// Posts onto one session's executor while both the session and its server's gate are open.
class outlet {
public:
  outlet(std::shared_ptr<io_gate> gate, boost::asio::any_io_executor executor)
      : gate_(std::move(gate)), executor_(std::move(executor)) {}
  outlet(const outlet&) = delete;
  outlet& operator=(const outlet&) = delete;

  /// Posts `handler` onto the session's executor, or destroys it here if closed. Any thread.
  template <class Handler>
  bool post(Handler&& handler) {
    std::lock_guard lock{mutex_};
    return executor_ && gate_->post(*executor_, std::forward<Handler>(handler));
  }

  /// Drops the executor. The session calls it as it ends, on a network thread.
  void close() {
    std::lock_guard lock{mutex_};
    executor_.reset();
  }

private:
  std::shared_ptr<io_gate> gate_;
  std::mutex mutex_;
  std::optional<boost::asio::any_io_executor> executor_;
};

/// Calls `fn(session)` on the session's thread if the session still exists when the post
/// arrives. Any thread; no strong reference to the session is held meanwhile.
template <class Session, class Fn>
void post_to_session(outlet& out, std::weak_ptr<Session> weak, Fn fn) {
  out.post([weak = std::move(weak), fn = std::move(fn)]() mutable {
    if (auto session = weak.lock())
      fn(*session);
  });
}

}  // namespace jobmesh::net::detail
