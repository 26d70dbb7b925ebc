#include "net/detail/frame_lane.hpp"

#include "net/detail/ws_session.hpp"

namespace jobmesh::net::detail {

void frame_lane::deliver(std::weak_ptr<frame_target> session, actors::shared_frame frame,
                         std::chrono::steady_clock::time_point at) {
  bool first = false;
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
    if (auto session = e.session.lock(); session && session->queue(std::move(e.frame), e.at))
      flushing_.push_back(std::move(session));
  draining_.clear();
  for (auto& session : flushing_)
    session->flush();
  flushing_.clear();
}

}  // namespace jobmesh::net::detail
