#pragma once
// The frames one WebSocket session has yet to send, bounded. A slow client loses progress, never
// an ending: a progress frame replaces the unsent one of the same topic and job (so on `jobs`
// and `user:` topics one job's progress never replaces another's) once that one is late, and
// it goes to the back, after everything older, so `seq` stays rising within each topic.
//
// Late: `coalesce_after` has passed since the hub handed it over (the client, or the I/O
// thread, is not taking frames as fast as they come), or the queue is half full. Frames that
// come together (a replay after `since`, a burst of items ending at once) are all sent to a
// client that keeps up; a client following one job at 10 Hz that falls behind gets the newest
// progress instead of a backlog. (Waiting for a half full queue alone let such a client fall
// 12 s behind before its first frame was replaced: half of 256 frames at 10 a second; the
// bench's p99 was seconds.)
// When full, the oldest unsent progress frame makes room; terminal events may queue up to
// `backlog_factor` times the limit, and past that the client is too slow to keep.

#include "actors/messages.hpp"

#include <chrono>
#include <deque>

namespace jobmesh::net::detail {

class frame_queue {
public:
  using clock = std::chrono::steady_clock;

  enum class outcome : std::uint8_t {
    queued,     ///< at the back
    coalesced,  ///< replaced an older, late frame of its topic and job (now at the back)
    dropped,    ///< progress with no room: a later frame will say more
    overflow,   ///< an ending with no room even in the backlog: close the session
  };

  frame_queue(std::size_t limit, std::size_t backlog_factor, clock::duration coalesce_after)
      : limit_(limit), backlog_factor_(backlog_factor), coalesce_after_(coalesce_after) {}

  /// Queues `frame`, which the hub handed over at `at`.
  outcome push(actors::shared_frame frame, clock::time_point at);

  /// The frame to write next; it stays in the queue (and is never replaced) until `pop`.
  const actors::hub_frame& front() const { return *frames_.front().frame; }
  void begin_write() { writing_ = true; }
  void pop() {
    writing_ = false;
    frames_.pop_front();
  }
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  bool writing() const { return writing_; }

private:
  struct entry {
    actors::shared_frame frame;
    clock::time_point at;  ///< when the hub handed it over
  };

  std::deque<entry>::iterator first_unsent() { return frames_.begin() + (writing_ ? 1 : 0); }

  std::size_t limit_;
  std::size_t backlog_factor_;
  clock::duration coalesce_after_;
  std::deque<entry> frames_;
  bool writing_ = false;  ///< the front is on the wire
};

}  // namespace jobmesh::net::detail
