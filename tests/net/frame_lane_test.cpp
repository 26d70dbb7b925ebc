// The hub's frames reach a network thread's sessions in bursts: one post per burst, however
// many frames it holds, and none once the server's gate is closed; a burst is queued whole
// before any write starts, so a lagging thread writes a job's newest progress, not each.
#include "net/detail/frame_lane.hpp"
#include "net/detail/frame_queue.hpp"

#include <gmock/gmock.h>

using namespace jobmesh;
using net::detail::frame_lane;
using net::detail::frame_queue;
using net::detail::io_gate;
using namespace std::chrono_literals;

namespace {

actors::shared_frame frame(std::uint64_t seq, std::string job = "a", bool progress = true) {
  return std::make_shared<const actors::hub_frame>(actors::hub_frame{
      "job:" + job, seq, progress, std::make_shared<const std::string>(std::to_string(seq)), job});
}

// A session's stand-in: the write queue a session has (same rule, 20 ms), and every write it
// would start, as the seqs of the frames (a flush writes all it holds at once).
struct recording_target final : net::detail::frame_target {
  frame_queue frames{256, 4, 20ms};
  std::vector<std::vector<std::uint64_t>> flushes;  ///< per flush, the seqs written

  bool queue(actors::shared_frame f, frame_queue::clock::time_point at) override {
    bool idle = frames.empty();
    frames.push(std::move(f), at);
    return idle && !frames.empty();
  }
  void flush() override {
    auto& written = flushes.emplace_back();
    while (!frames.empty()) {
      frames.begin_write();
      written.push_back(frames.front().seq);
      frames.pop();
    }
  }
};

}  // namespace

TEST(frame_lane, a_burst_of_frames_is_one_post_and_the_next_burst_another) {
  boost::asio::io_context ioc{1};
  auto gate = std::make_shared<io_gate>();
  auto lane = std::make_shared<frame_lane>(gate, ioc.get_executor());
  auto gone = std::weak_ptr<net::detail::frame_target>{};  // a session that ended: its frames are dropped
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

TEST(frame_lane, a_burst_is_queued_whole_so_a_late_jobs_older_progress_gives_way) {
  boost::asio::io_context ioc{1};
  auto lane = std::make_shared<frame_lane>(std::make_shared<io_gate>(), ioc.get_executor());
  auto session = std::make_shared<recording_target>();
  auto other = std::make_shared<recording_target>();
  auto t0 = std::chrono::steady_clock::now();
  // An I/O thread 300 ms behind: three of job a's progress frames, 100 ms apart, wait in the
  // lane with one of job b's and a's ending; another session got one frame.
  lane->deliver(session, frame(1), t0);
  lane->deliver(session, frame(1, "b"), t0 + 50ms);
  lane->deliver(other, frame(7), t0 + 60ms);
  lane->deliver(session, frame(2), t0 + 100ms);
  lane->deliver(session, frame(3), t0 + 200ms);
  lane->deliver(session, frame(4, "a", false), t0 + 250ms);
  ASSERT_EQ(ioc.poll(), 1u);
  ASSERT_EQ(session->flushes.size(), 1u) << "one flush per session and drain";
  EXPECT_THAT(session->flushes[0], testing::ElementsAre(1, 3, 4))
      << "job b's frame (seq 1 of its topic), then a's newest progress and its ending; a's 1 and 2 gave way";
  ASSERT_EQ(other->flushes.size(), 1u);
  EXPECT_THAT(other->flushes[0], testing::ElementsAre(7));
}

TEST(frame_lane, frames_of_a_thread_that_keeps_up_are_each_written) {
  boost::asio::io_context ioc{1};
  auto lane = std::make_shared<frame_lane>(std::make_shared<io_gate>(), ioc.get_executor());
  auto session = std::make_shared<recording_target>();
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    lane->deliver(session, frame(seq), t0 + seq * 100ms);
    ASSERT_EQ(ioc.poll(), 1u);
    ioc.restart();
  }
  ASSERT_EQ(session->flushes.size(), 3u);
  EXPECT_THAT(session->flushes, testing::ElementsAre(testing::ElementsAre(1), testing::ElementsAre(2),
                                                     testing::ElementsAre(3)));
}
