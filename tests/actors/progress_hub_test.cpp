#include "actors/progress_hub.hpp"
#include "engine_fixture.hpp"

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

class hub_test : public engine_fixture {
protected:
  void publish(const std::string& topic, const std::string& type, int n) {
    caf::anon_send(engine_.hub, actors::publish_atom::value, topic, type, R"({"n":)" + std::to_string(n) + "}");
  }
};

}  // namespace

TEST_F(hub_test, since_replays_what_was_missed_in_order) {
  start();
  for (int i = 1; i <= 3; ++i)
    publish("t", "progress", i);
  subscribe("t", 1);
  auto subscribed = next_event();
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(subscribed->type, "subscribed");
  EXPECT_EQ(subscribed->seq, 3u);
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
  publish("job:x", "progress", 1);
  publish("job:x", "completed", 2);
  subscribe("job:x");
  ASSERT_EQ(next_event()->type, "subscribed");
  auto latest = next_event();
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->type, "completed");
  EXPECT_EQ(latest->seq, 2u);
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

TEST(frame_text, is_the_api_shape) {
  auto text = actors::make_frame_text("job:a\"b", 7, "progress", R"({"x":1})", 0);
  EXPECT_EQ(text, R"({"topic":"job:a\"b","seq":7,"type":"progress","data":{"x":1},"sent_at":"1970-01-01T00:00:00.000Z"})");
}
