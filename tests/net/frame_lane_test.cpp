// The hub's frames reach a network thread's sessions in bursts: one post per burst, however
// many frames it holds, and none once the server's gate is closed.
#include "net/detail/frame_lane.hpp"

#include <gmock/gmock.h>

using namespace jobmesh;
using net::detail::frame_lane;
using net::detail::io_gate;

namespace {

actors::shared_frame frame(std::uint64_t seq) {
  return std::make_shared<const actors::hub_frame>(
      actors::hub_frame{"job:a", seq, true, std::make_shared<const std::string>(std::to_string(seq)), "a"});
}

}  // namespace

TEST(frame_lane, a_burst_of_frames_is_one_post_and_the_next_burst_another) {
  boost::asio::io_context ioc{1};
  auto gate = std::make_shared<io_gate>();
  auto lane = std::make_shared<frame_lane>(gate, ioc.get_executor());
  auto gone = std::weak_ptr<net::detail::ws_session>{};  // a session that ended: its frames are dropped
  for (std::uint64_t seq = 1; seq <= 100; ++seq)
    lane->deliver(gone, frame(seq));
  EXPECT_EQ(ioc.poll(), 1u) << "one drain for the hundred frames";
  ioc.restart();
  EXPECT_EQ(ioc.poll(), 0u) << "nothing left";
  ioc.restart();
  lane->deliver(gone, frame(101));
  lane->deliver(gone, frame(102));
  EXPECT_EQ(ioc.poll(), 1u) << "a new burst after the drain posts again";
}

TEST(frame_lane, nothing_is_posted_once_the_gate_is_closed) {
  boost::asio::io_context ioc{1};
  auto gate = std::make_shared<io_gate>();
  auto lane = std::make_shared<frame_lane>(gate, ioc.get_executor());
  gate->close();
  lane->deliver({}, frame(1));
  EXPECT_EQ(ioc.poll(), 0u);
}
