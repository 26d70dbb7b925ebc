// A slow WebSocket client's queue: progress coalesces per topic and job, `seq` stays rising in
// each topic, endings are never dropped, and a client too slow even for those is let go.
#include "net/detail/frame_queue.hpp"

#include <gmock/gmock.h>

#include <map>

using namespace jobmesh;
using net::detail::frame_queue;
using namespace std::chrono_literals;

namespace {

actors::shared_frame frame(std::string topic, std::uint64_t seq, std::string job, bool progress = true) {
  return std::make_shared<const actors::hub_frame>(actors::hub_frame{
      std::move(topic), seq, progress, std::make_shared<const std::string>(std::to_string(seq)), std::move(job)});
}

constexpr auto k_late = 20ms;
const frame_queue::clock::time_point t0{};

// Everything in the queue, in order, as (topic, seq, job).
std::vector<std::tuple<std::string, std::uint64_t, std::string>> drain(frame_queue& q) {
  std::vector<std::tuple<std::string, std::uint64_t, std::string>> out;
  while (!q.empty()) {
    out.emplace_back(q.front().topic, q.front().seq, q.front().job);
    q.pop();
  }
  return out;
}

}  // namespace

TEST(frame_queue, progress_of_one_job_never_replaces_another_jobs_on_a_shared_topic) {
  frame_queue q{256, 4, k_late};
  EXPECT_EQ(q.push(frame("jobs", 1, "a"), t0), frame_queue::outcome::queued);
  EXPECT_EQ(q.push(frame("jobs", 2, "b"), t0), frame_queue::outcome::queued);
  // Both late now: a later frame of job a replaces a's, and goes to the back.
  EXPECT_EQ(q.push(frame("jobs", 3, "a"), t0 + k_late), frame_queue::outcome::coalesced);
  EXPECT_EQ(q.push(frame("jobs", 4, "b"), t0 + k_late), frame_queue::outcome::coalesced);
  EXPECT_EQ(q.push(frame("job:a", 1, "a"), t0 + k_late), frame_queue::outcome::queued) << "another topic: its own sequence";
  auto sent = drain(q);
  using row = std::tuple<std::string, std::uint64_t, std::string>;
  EXPECT_EQ(sent, (std::vector<row>{{"jobs", 3, "a"}, {"jobs", 4, "b"}, {"job:a", 1, "a"}}));
}

TEST(frame_queue, frames_that_come_together_all_reach_a_client_that_keeps_up) {
  // A replay after `since`, or a burst of items ending at once: nothing has waited yet.
  frame_queue q{256, 4, k_late};
  for (std::uint64_t seq = 1; seq <= 20; ++seq)
    EXPECT_EQ(q.push(frame("job:a", seq, "a"), t0 + 19ms), frame_queue::outcome::queued) << seq;
  EXPECT_EQ(q.size(), 20u);
  // Half full, a frame is replaced however young: the client is far behind.
  frame_queue crowded{8, 4, k_late};
  for (std::uint64_t seq = 1; seq <= 4; ++seq)
    crowded.push(frame("job:a", seq, "a"), t0);
  EXPECT_EQ(crowded.push(frame("job:a", 5, "a"), t0), frame_queue::outcome::coalesced);
  EXPECT_EQ(crowded.size(), 4u);
}

TEST(frame_queue, seq_rises_within_every_topic_whatever_is_dropped) {
  frame_queue q{8, 2, k_late};
  std::map<std::string, std::uint64_t> seq;
  for (int i = 0; i < 1000; ++i) {
    std::string topic = i % 3 == 0 ? "jobs" : "user:u";
    std::string job = "j" + std::to_string(i % 7);
    bool ending = i % 50 == 49;
    q.push(frame(topic, ++seq[topic], job, !ending), t0);
    if (i % 10 == 0 && !q.empty()) {  // the client takes one now and then
      q.begin_write();
      q.pop();
    }
  }
  std::map<std::string, std::uint64_t> last;
  for (const auto& [topic, s, job] : drain(q)) {
    EXPECT_GT(s, last[topic]) << topic;
    last[topic] = s;
  }
}

TEST(frame_queue, endings_are_kept_past_the_limit_and_a_hopeless_client_overflows) {
  frame_queue q{2, 2, k_late};
  EXPECT_EQ(q.push(frame("job:a", 1, "a"), t0), frame_queue::outcome::queued);
  EXPECT_EQ(q.push(frame("job:b", 1, "b"), t0), frame_queue::outcome::queued);
  // Full: the oldest progress makes room for an ending, each time.
  EXPECT_EQ(q.push(frame("job:c", 1, "c", false), t0), frame_queue::outcome::queued);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.front().topic, "job:b");
  EXPECT_EQ(q.push(frame("job:d", 1, "d", false), t0), frame_queue::outcome::queued);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.front().topic, "job:c");
  EXPECT_EQ(q.push(frame("job:e", 1, "e"), t0), frame_queue::outcome::dropped) << "no room for progress";
  // Endings queue past the limit, up to twice it.
  EXPECT_EQ(q.push(frame("job:f", 1, "f", false), t0), frame_queue::outcome::queued);
  EXPECT_EQ(q.push(frame("job:g", 1, "g", false), t0), frame_queue::outcome::queued);
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.push(frame("job:h", 1, "h", false), t0), frame_queue::outcome::overflow) << "twice the limit of endings";
}

TEST(frame_queue, the_frame_on_the_wire_is_never_replaced) {
  frame_queue q{2, 2, k_late};
  q.push(frame("jobs", 1, "a"), t0);
  q.begin_write();
  EXPECT_EQ(q.push(frame("jobs", 2, "a"), t0), frame_queue::outcome::queued);
  EXPECT_EQ(q.front().seq, 1u);
  EXPECT_EQ(q.push(frame("jobs", 3, "a"), t0), frame_queue::outcome::coalesced);
  q.pop();
  EXPECT_EQ(q.front().seq, 3u);
}

TEST(frame_queue, a_client_one_frame_behind_gets_the_latest_progress_not_a_backlog) {
  // Progress of one job at 10 Hz reaches a client whose first write is still on the wire: each
  // frame that waited its 20 ms gives way to the next, however far the queue is from its limit
  // (a backlog there is what made such a client seconds late).
  frame_queue q{256, 4, k_late};
  EXPECT_EQ(q.push(frame("job:a", 1, "a"), t0), frame_queue::outcome::queued);
  q.begin_write();
  EXPECT_EQ(q.push(frame("job:a", 2, "a"), t0 + 100ms), frame_queue::outcome::queued);
  for (std::uint64_t seq = 3; seq <= 10; ++seq)
    EXPECT_EQ(q.push(frame("job:a", seq, "a"), t0 + 100ms * (seq - 1)), frame_queue::outcome::coalesced) << seq;
  EXPECT_EQ(q.push(frame("job:a", 11, "a", false), t0 + 1s), frame_queue::outcome::queued)
      << "an ending is never coalesced";
  auto sent = drain(q);
  using row = std::tuple<std::string, std::uint64_t, std::string>;
  EXPECT_EQ(sent, (std::vector<row>{{"job:a", 1, "a"}, {"job:a", 10, "a"}, {"job:a", 11, "a"}}));
}
