#include "net/detail/frame_queue.hpp"

#include <algorithm>

namespace jobmesh::net::detail {

frame_queue::outcome frame_queue::push(actors::shared_frame frame, clock::time_point at) {
  if (frame->droppable) {
    bool crowded = frames_.size() >= limit_ / 2;
    auto same = std::find_if(first_unsent(), frames_.end(), [&](const entry& e) {
      return e.frame->droppable && e.frame->topic == frame->topic && e.frame->job == frame->job;
    });
    if (same != frames_.end() && (crowded || at - same->at >= coalesce_after_)) {
      frames_.erase(same);
      frames_.push_back({std::move(frame), at});
      return outcome::coalesced;
    }
  }
  if (frames_.size() >= limit_) {
    auto oldest = std::find_if(first_unsent(), frames_.end(), [](const entry& e) { return e.frame->droppable; });
    if (oldest != frames_.end())
      frames_.erase(oldest);
    else if (frame->droppable)
      return outcome::dropped;
    else if (frames_.size() >= limit_ * backlog_factor_)
      return outcome::overflow;
  }
  frames_.push_back({std::move(frame), at});
  return outcome::queued;
}

}  // namespace jobmesh::net::detail
