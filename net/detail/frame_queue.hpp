#pragma once
// The frames one WebSocket session has yet to send, bounded. A slow client loses progress, never
// an ending: once the queue is half full, a progress frame replaces the unsent one of the same
// topic and job (so on `jobs` and `user:` topics one job's progress never replaces another's),
// and it goes to the back, after everything older, so `seq` stays rising within each topic.
// When full, the oldest unsent progress frame makes room; terminal events may queue up to
// `backlog_factor` times the limit, and past that the client is too slow to keep.

#include "actors/messages.hpp"

#include <deque>

namespace jobmesh::net::detail {

class frame_queue {
public:
  enum class outcome : std::uint8_t {
    queued,     ///< at the back
    coalesced,  ///< replaced an older frame of its topic and job (now at the back)
    dropped,    ///< progress with no room: a later frame will say more
    overflow,   ///< an ending with no room even in the backlog: close the session
  };

  frame_queue(std::size_t limit, std::size_t backlog_factor) : limit_(limit), backlog_factor_(backlog_factor) {}

  outcome push(actors::shared_frame frame);

  /// The frame to write next; it stays in the queue (and is never replaced) until `pop`.
  const actors::hub_frame& front() const { return *frames_.front(); }
  void begin_write() { writing_ = true; }
  void pop() {
    writing_ = false;
    frames_.pop_front();
  }
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  bool writing() const { return writing_; }

private:
  std::deque<actors::shared_frame>::iterator first_unsent() { return frames_.begin() + (writing_ ? 1 : 0); }

  std::size_t limit_;
  std::size_t backlog_factor_;
  std::deque<actors::shared_frame> frames_;
  bool writing_ = false;  ///< the front is on the wire
};

}  // namespace jobmesh::net::detail
