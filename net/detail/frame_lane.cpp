#include "net/detail/frame_lane.hpp"

#include "net/detail/ws_session.hpp"

namespace jobmesh::net::detail {

void frame_lane::deliver(std::weak_ptr<ws_session> session, actors::shared_frame frame) {
  bool first = false;
  auto at = std::chrono::steady_clock::now();
  {
    std::lock_guard lock{mutex_};
    first = pending_.empty();
    pending_.push_back({std::move(session), std::move(frame), at});
  }
  if (first)
    gate_->post(executor_, [self = shared_from_this()] { self->drain(); });
}

void frame_lane::drain() {
  {
    std::lock_guard lock{mutex_};
    pending_.swap(draining_);
  }
  for (auto& e : draining_)
    if (auto session = e.session.lock())
      session->enqueue(std::move(e.frame), e.at);
  draining_.clear();
}

}  // namespace jobmesh::net::detail
