#include "actors/progress_hub.hpp"
#include "engine_fixture.hpp"

#include <gmock/gmock.h>

#include <condition_variable>
#include <mutex>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

class hub_test : public engine_fixture {
protected:
  void publish(const std::string& topic, const std::string& type, int n) {
    caf::anon_send(engine_.hub, actors::publish_atom::value, std::vector<std::string>{topic}, std::string{}, type,
                   R"({"n":)" + std::to_string(n) + "}");
  }

  // The next frame is `subscribed`, telling the client it stands at `seq`.
  void expect_subscribed(std::uint64_t seq) {
    auto frame = next_event();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->type, "subscribed");
    EXPECT_EQ(frame->seq, seq);
  }
};

}  // namespace

TEST_F(hub_test, since_replays_what_was_missed_in_order) {
  start();
  for (int i = 1; i <= 3; ++i)
    publish("t", "progress", i);
  subscribe("t", 1);
  expect_subscribed(1);  // where the client stands: the events after it follow
  auto second = next_event();
  auto third = next_event();
  ASSERT_TRUE(second && third);
  EXPECT_EQ(second->seq, 2u);
  EXPECT_EQ(third->seq, 3u);
  publish("t", "completed", 4);
  auto fourth = next_event();
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->seq, 4u);
  EXPECT_EQ(fourth->type, "completed");
  EXPECT_EQ(fourth->data.at("n").as_int64(), 4);
}

TEST_F(hub_test, a_new_subscriber_sees_the_latest_event) {
  start();
  publish("user:x", "progress", 1);
  publish("user:x", "completed", 2);
  subscribe("user:x");
  expect_subscribed(1);  // just before the event that follows: seq never repeats
  auto latest = next_event();
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->type, "completed");
  EXPECT_EQ(latest->seq, 2u);
}

// Every frame's seq is a position the client may resume from: the last one seen, whatever its
// type, passed as `since`, misses nothing and repeats nothing.
TEST_F(hub_test, the_last_seq_seen_is_where_a_client_resumes) {
  start();
  publish("t", "progress", 1);
  publish("t", "progress", 2);
  subscribe("t");
  expect_subscribed(1);
  // The client drops here, having seen only `subscribed`; two events come meanwhile.
  caf::anon_send(engine_.hub, actors::unsubscribe_atom::value, std::string{"t"}, caf::actor_cast<caf::actor>(self()));
  ASSERT_EQ(next_event()->seq, 2u);  // the latest, already on its way
  publish("t", "progress", 3);
  publish("t", "completed", 4);
  subscribe("t", 1);  // the last seq it saw
  expect_subscribed(1);
  for (std::uint64_t seq = 2; seq <= 4; ++seq) {
    auto e = next_event();
    ASSERT_TRUE(e) << seq;
    EXPECT_EQ(e->seq, seq);
    EXPECT_EQ(e->data.at("n").as_int64(), static_cast<std::int64_t>(seq));
  }
}

// Nobody followed the job: its events were not kept on a topic of its own. The topic starts
// with its first subscriber, and what comes after reaches it.
TEST_F(hub_test, a_job_topic_is_made_by_its_first_subscriber) {
  start();
  publish("job:x", "progress", 1);
  subscribe("job:x");
  expect_subscribed(0);
  publish("job:x", "progress", 2);
  auto next = next_event();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->seq, 1u);
  EXPECT_EQ(next->data.at("n").as_int64(), 2);
}

// A job that ended before anyone followed it: its topic, made then, starts with the end, told
// once (the hub may hear of the end after the subscription).
TEST_F(hub_test, a_job_topic_made_after_its_job_ended_starts_with_that_end) {
  start();
  actors::job_spec spec;
  spec.type = "noop";
  spec.user_id = "u1";
  auto job = submit(spec);
  ASSERT_EQ(await_end(job.id).status, storage::job_status::completed);
  subscribe("job:" + job.id);
  expect_subscribed(0);
  auto end = next_event();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->type, "completed");
  EXPECT_EQ(end->seq, 1u);
  EXPECT_EQ(end->data.at("id").as_string(), job.id);
  EXPECT_EQ(end->data.at("status").as_string(), "completed");
  // A later subscriber (since < 0) is told the same end, with the same number.
  caf::anon_send(engine_.hub, actors::unsubscribe_atom::value, "job:" + job.id, caf::actor_cast<caf::actor>(self()));
  subscribe("job:" + job.id);
  ASSERT_EQ(next_event()->type, "subscribed");
  auto again = next_event();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->seq, 1u);
  EXPECT_EQ(again->type, "completed");
}

TEST_F(hub_test, since_older_than_history_answers_reset) {
  start();
  for (std::size_t i = 1; i <= actors::k_topic_history + 10; ++i)
    publish("t", "progress", static_cast<int>(i));
  subscribe("t", 2);
  ASSERT_EQ(next_event()->type, "subscribed");
  auto reset = next_event();
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->type, "reset");
}

TEST_F(hub_test, once_history_is_full_the_oldest_go_and_since_replays_in_order) {
  start();
  const auto last = actors::k_topic_history * 2 + 7;  // the ring wrapped twice, not at its start
  for (std::size_t i = 1; i <= last; ++i)
    publish("t", "progress", static_cast<int>(i));
  auto oldest_kept = last - actors::k_topic_history + 1;
  subscribe("t", static_cast<std::int64_t>(oldest_kept - 1));  // exactly what history still holds
  ASSERT_EQ(next_event()->type, "subscribed");
  for (auto seq = oldest_kept; seq <= last; ++seq) {
    auto e = next_event();
    ASSERT_TRUE(e) << "seq " << seq;
    EXPECT_EQ(e->seq, seq);
    EXPECT_EQ(e->data.at("n").as_int64(), static_cast<std::int64_t>(seq));
  }
  // One event further back is gone: the client must re-read (reset).
  subscribe("t", static_cast<std::int64_t>(oldest_kept - 2));
  ASSERT_EQ(next_event()->type, "subscribed");
  auto reset = next_event();
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->type, "reset");
}

// After a restart the topic counts from 1 again: a client resuming from a number of the old
// process must not be told it is up to date.
TEST_F(hub_test, since_ahead_of_the_topic_answers_reset) {
  start();
  publish("t", "progress", 1);
  subscribe("t", 40);
  ASSERT_EQ(next_event()->type, "subscribed");
  auto reset = next_event();
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->type, "reset");
  EXPECT_EQ(reset->seq, 1u);
}

// A client that has seen everything gets nothing again.
TEST_F(hub_test, since_at_the_latest_event_replays_nothing) {
  start();
  publish("t", "progress", 1);
  publish("t", "progress", 2);
  subscribe("t", 2);
  expect_subscribed(2);
  publish("t", "completed", 3);
  auto next = next_event();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->type, "completed");
  EXPECT_EQ(next->seq, 3u);
}

TEST(frame_text, is_the_api_shape) {
  auto text = actors::make_frame_text("job:a\"b", 7, "progress", R"({"x":1})", 0);
  EXPECT_EQ(text, R"({"topic":"job:a\"b","seq":7,"type":"progress","data":{"x":1},"sent_at":"1970-01-01T00:00:00.000Z"})");
}

// One subscriber on many topics: monitored once, and when it ends it leaves exactly those
// topics (others keep their subscribers).
TEST_F(hub_test, a_subscriber_that_ends_leaves_every_topic_it_followed) {
  start();
  // (CAF 0.17 binds a null argument tuple to a function actor spawned without arguments.)
  auto other = self()->spawn(
      [](caf::event_based_actor*, int) -> caf::behavior {
        return {[](actors::frame_atom, const actors::hub_frame&) {}};
      },
      0);
  for (const auto* topic : {"job:1", "job:2", "jobs"}) {
    caf::anon_send(engine_.hub, actors::subscribe_atom::value, std::string{topic}, std::int64_t{-1}, other);
    subscribe(topic);
    ASSERT_TRUE(next_event());  // subscribed
  }
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
  // Still delivered to the test's own subscription on every topic, in order, after the exit.
  caf::anon_send(engine_.hub, actors::publish_atom::value, std::vector<std::string>{"job:1", "job:2", "jobs"},
                 std::string{"1"}, std::string{"progress"}, std::string{R"({"n":1})"});
  for (const auto* topic : {"job:1", "job:2", "jobs"}) {
    auto e = next_event();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->topic, topic);
    EXPECT_EQ(e->seq, 1u);
  }
  // Unsubscribing from one topic leaves the others.
  caf::anon_send(engine_.hub, actors::unsubscribe_atom::value, std::string{"job:1"},
                 caf::actor_cast<caf::actor>(self()));
  caf::anon_send(engine_.hub, actors::publish_atom::value, std::vector<std::string>{"job:1", "job:2"},
                 std::string{"1"}, std::string{"progress"}, std::string{R"({"n":2})"});
  auto e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->topic, "job:2");
  EXPECT_EQ(e->data.at("n").as_int64(), 2);
}

// A subscriber with a sink gets its frames handed to the sink, in order, and none as messages;
// it is still the actor that unsubscribes it.
TEST_F(hub_test, a_sink_receives_the_frames_of_its_subscriber) {
  struct recording_sink : actors::frame_sink {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<actors::hub_frame> frames;
    void deliver(const actors::shared_frame& frame) override {
      std::lock_guard lock{mutex};
      frames.push_back(*frame);
      changed.notify_all();
    }
    std::vector<actors::hub_frame> wait_for(std::size_t n) {
      std::unique_lock lock{mutex};
      changed.wait_for(lock, std::chrono::seconds(10), [&] { return frames.size() >= n; });
      return frames;
    }
  };
  start();
  auto sink = std::make_shared<recording_sink>();
  auto me = caf::actor_cast<caf::actor>(self());
  caf::anon_send(engine_.hub, actors::subscribe_atom::value, std::string{"job:7"}, std::int64_t{-1}, me,
                 actors::frame_sink_ptr{sink});
  publish("job:7", "progress", 1);
  publish("job:7", "completed", 2);
  auto frames = sink->wait_for(3);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_THAT(*frames[0].text, ::testing::HasSubstr(R"("type":"subscribed")"));
  EXPECT_EQ(frames[1].seq, 1u);
  EXPECT_THAT(*frames[1].text, ::testing::HasSubstr(R"("data":{"n":1})"));
  EXPECT_EQ(frames[2].seq, 2u);
  EXPECT_FALSE(frames[2].droppable);
  // Nothing came as a message: the next thing the test's mailbox holds is its own subscription's.
  caf::anon_send(engine_.hub, actors::unsubscribe_atom::value, std::string{"job:7"}, me);
  publish("job:7", "progress", 3);
  subscribe("job:8");
  auto e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->topic, "job:8");
  EXPECT_EQ(e->type, "subscribed");
  EXPECT_EQ(sink->wait_for(3).size(), 3u);
}
