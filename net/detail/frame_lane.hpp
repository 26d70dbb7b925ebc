#pragma once
// The hub's frames for the WebSocket sessions of one I/O thread. The hub hands each subscriber
// its frame on the hub's thread; posting one handler per frame and session onto the network
// thread (a lock, an allocation and often a wake-up each) cost more than writing the frame.
// A lane queues them instead and posts one drain per burst: the first frame into an empty
// lane posts it, the frames that follow until it runs ride along, and the drain hands each
// to its session, in the order the hub delivered them.
//
// The drain queues every frame of the burst before it starts any session's write, so the
// write queue's rule (frame_queue.hpp) sees a burst whole: when the I/O thread lags by more
// than a job's progress period, a session that got two progress frames of one job in one
// drain writes the newer only (latest wins), where writing each as it came sent both, late,
// and the lag grew with the load.
//
// Sessions of a lane run on its I/O thread only (one thread per io_context), so the drain may
// call them directly. A lane holds its io_context's plain executor, which tracks no work: its
// destruction touches nothing of the io_context, so actors may hold lanes (through sessions'
// sinks) past the server's end. Like an outlet, it posts nothing once the server's gate closed.

#include "actors/messages.hpp"
#include "net/detail/io_gate.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace jobmesh::net::detail {

/// What a lane hands frames to: a WebSocket session (ws_session.hpp), or a test's stand-in.
/// Called on the lane's I/O thread only.
class frame_target {
public:
  virtual ~frame_target() = default;
  /// Takes `frame`, handed over at `at`, without writing yet. True when the target had nothing
  /// queued or on the wire before: it wants one `flush` once the burst is queued.
  virtual bool queue(actors::shared_frame frame, std::chrono::steady_clock::time_point at) = 0;
  /// Starts writing what `queue` took.
  virtual void flush() = 0;
};

class frame_lane : public std::enable_shared_from_this<frame_lane> {
public:
  frame_lane(std::shared_ptr<io_gate> gate, boost::asio::io_context::executor_type executor)
      : gate_(std::move(gate)), executor_(executor) {}

  /// Queues `frame` for `session` (dropped at the drain if the session is gone), which learns
  /// when it was handed over: a frame that waited here for a busy I/O thread is late already,
  /// and may be replaced by a newer one of its job (frame_queue.hpp). Any thread.
  void deliver(std::weak_ptr<frame_target> session, actors::shared_frame frame,
               std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now());

private:
  struct entry {
    std::weak_ptr<frame_target> session;
    actors::shared_frame frame;
    std::chrono::steady_clock::time_point at;  ///< when the hub handed it over
  };

  void drain();

  std::shared_ptr<io_gate> gate_;
  boost::asio::io_context::executor_type executor_;
  std::mutex mutex_;
  std::vector<entry> pending_;   ///< guarded by mutex_
  std::vector<entry> draining_;  ///< the I/O thread's, during a drain (kept for its capacity)
  std::vector<std::shared_ptr<frame_target>> flushing_;  ///< the drain's targets to flush (likewise)
};

}  // namespace jobmesh::net::detail
