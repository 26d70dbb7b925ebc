// The bridge from network threads into the actor world (net/actor_bridge.hpp): an answer in
// time reaches its callback, a missing one is a request_timeout by the deadline, a late one is
// dropped, and exactly one callback runs per request.
#include "net/actor_bridge.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace jobmesh;
using namespace std::chrono_literals;

namespace {

using hold_atom = caf::atom_constant<caf::atom("hold")>;
using release_atom = caf::atom_constant<caf::atom("release")>;

struct holder_state {
  std::vector<caf::response_promise> held;
};

// Answers (get, n) with n * 2 at once, and (hold_atom, n) only when told to release. `name` is
// there because CAF 0.17 dereferences a null argument tuple for an actor spawned with none.
caf::behavior holder(caf::stateful_actor<holder_state>* self, const std::string& /*name*/) {
  return {
      [](caf::get_atom, int n) { return n * 2; },
      [self](hold_atom, int) -> caf::result<int> {
        self->state.held.push_back(self->make_response_promise());
        return caf::delegated<int>{};
      },
      [self](release_atom) {
        for (auto& p : self->state.held)
          p.deliver(-1);
        self->state.held.clear();
      },
  };
}

// What the callbacks saw, awaited with a bound.
struct outcomes {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> seen;

  void add(std::string s) {
    std::lock_guard lock(m);
    seen.push_back(std::move(s));
    cv.notify_all();
  }
  bool await_count(std::size_t n, std::chrono::milliseconds bound) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, bound, [&] { return seen.size() >= n; });
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(m);
    return seen;
  }
};

class actor_bridge_test : public ::testing::Test {
protected:
  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  caf::actor holder_ = sys_.spawn(holder, std::string{"holder"});
  std::unique_ptr<net::actor_bridge> bridge_ = std::make_unique<net::actor_bridge>(sys_, 2);
  outcomes out_;

  void TearDown() override {
    bridge_.reset();
    caf::anon_send_exit(holder_, caf::exit_reason::user_shutdown);
  }

  template <class... Ts>
  void ask_holder(std::chrono::milliseconds timeout, Ts... args) {
    net::ask(
        *bridge_, holder_, timeout, [this](int v) { out_.add("ok " + std::to_string(v)); },
        [this](caf::error& e) { out_.add("error " + caf::to_string(e)); }, args...);
  }
};

}  // namespace

TEST_F(actor_bridge_test, answers_reach_their_callbacks) {
  for (int i = 0; i < 100; ++i)
    ask_holder(10s, caf::get_atom::value, i);
  ASSERT_TRUE(out_.await_count(100, 10s));
  auto seen = out_.snapshot();
  std::multiset<std::string> got(seen.begin(), seen.end()), want;
  for (int i = 0; i < 100; ++i)
    want.insert("ok " + std::to_string(i * 2));
  EXPECT_EQ(got, want);
}

TEST_F(actor_bridge_test, no_answer_is_a_timeout_by_the_deadline_and_a_late_answer_is_dropped) {
  auto asked = std::chrono::steady_clock::now();
  ask_holder(100ms, hold_atom::value, 1);
  ask_holder(10s, caf::get_atom::value, 4);  // a later deadline does not delay the first
  ASSERT_TRUE(out_.await_count(2, 10s));
  auto took = std::chrono::steady_clock::now() - asked;
  auto seen = out_.snapshot();
  EXPECT_EQ(seen[0], "ok 8");
  EXPECT_NE(seen[1].find("request_timeout"), std::string::npos) << seen[1];
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 5s);
  // The held request is answered now, too late: nothing more reaches a callback, while a new
  // request after it still does.
  caf::anon_send(holder_, release_atom::value);
  ask_holder(10s, caf::get_atom::value, 5);
  ASSERT_TRUE(out_.await_count(3, 10s));
  ASSERT_FALSE(out_.await_count(4, 200ms)) << "a callback ran twice for one request";
  EXPECT_EQ(out_.snapshot()[2], "ok 10");
}

TEST_F(actor_bridge_test, a_shorter_deadline_after_a_longer_one_still_fires_on_time) {
  ask_holder(10s, hold_atom::value, 1);
  auto asked = std::chrono::steady_clock::now();
  ask_holder(100ms, hold_atom::value, 2);
  ASSERT_TRUE(out_.await_count(1, 5s)) << "the 100 ms request waited for the 10 s tick";
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  EXPECT_NE(out_.snapshot()[0].find("request_timeout"), std::string::npos);
}

TEST_F(actor_bridge_test, a_callback_that_throws_leaves_the_bridge_answering) {
  for (int i = 0; i < 4; ++i)  // on every bridge actor, whichever the round robin picks
    net::ask(
        *bridge_, holder_, 10s, [this](int) { out_.add("threw"); throw std::runtime_error("a failing callback"); },
        [](caf::error&) {}, caf::get_atom::value, i);
  for (int i = 0; i < 20; ++i)
    ask_holder(10s, caf::get_atom::value, i);
  ASSERT_TRUE(out_.await_count(24, 10s)) << "requests after a throwing callback went unanswered";
  auto seen = out_.snapshot();
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "threw"), 4);
}
