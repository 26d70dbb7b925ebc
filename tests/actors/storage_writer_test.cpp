// The storage writer commits the next transaction while the write-ahead log of the last one is
// synced on another thread, and answers a write only once a sync covers its commit.
#include "actors/messages.hpp"
#include "actors/storage_actors.hpp"
#include "storage/database.hpp"
#include "tests/scratch_dir.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace jobmesh;

namespace {

// Polls `done` every millisecond for at most 10 s (far more than a commit of one row takes).
bool eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Holds the writer's syncs: each waits until the test lets syncs through.
struct sync_gate {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int entered = 0;

  void pass() {
    std::unique_lock lock{mutex};
    ++entered;
    changed.notify_all();
    changed.wait(lock, [this] { return open; });
  }
  int syncs_entered() {
    std::lock_guard lock{mutex};
    return entered;
  }
  void let_through() {
    std::lock_guard lock{mutex};
    open = true;
    changed.notify_all();
  }
};

class storage_writer_test : public ::testing::Test {
protected:
  void SetUp() override {
    actors::add_message_types(cfg_);
    sys_.emplace(cfg_);
    writer_ = actors::spawn_storage_writer(*sys_, storage::open_and_migrate(url()), 1024, nullptr,
                                           [this] { gate_.pass(); });
    peek_ = storage::open(url());
  }

  void TearDown() override {
    gate_.let_through();
    caf::anon_send_exit(client_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(writer_, caf::exit_reason::user_shutdown);
    sys_->await_all_actors_done();
  }

  std::string url() const { return dir_.sqlite_url("test.db"); }

  static storage::write_batch insert_job(const std::string& id) {
    storage::job_record j;
    j.id = id;
    j.type = "noop";
    j.user_id = "u1";
    j.params = "{}";
    j.created_at = j.updated_at = 1'700'000'000'000;
    storage::write_batch b;
    b.inserted_jobs.push_back(std::move(j));
    return b;
  }

  // Sends the write from one actor for all (the writer's answers keep their order per
  // receiver); each answer is appended to `answered_` as it arrives.
  void write(const std::string& id) {
    if (!client_)
      // With an argument: CAF 0.17 dereferences a null tuple when a function is spawned with none.
      client_ = sys_->spawn(
          [](caf::event_based_actor* self, storage_writer_test* test) -> caf::behavior {
            return {[=](const std::string& id) {
              self->request(test->writer_, caf::infinite, actors::write_atom::value, insert_job(id))
                  .then([test, id](caf::ok_atom) { test->add_answer(id); },
                        [test, id](caf::error&) { test->add_answer("error " + id); });
            }};
          },
          this);
    caf::anon_send(client_, id);
  }

  void add_answer(const std::string& id) {
    std::lock_guard lock{answers_mutex_};
    answered_.push_back(id);
  }
  std::vector<std::string> answered() {
    std::lock_guard lock{answers_mutex_};
    return answered_;
  }

  // Seen by a connection of its own: committed, whether synced or not.
  bool stored(const std::string& id) {
    int n = 0;
    *peek_ << "SELECT COUNT(*) FROM jobs WHERE id = :id", soci::use(id), soci::into(n);
    return n == 1;
  }

  jobmesh::testing::scratch_dir dir_{"jobmesh_storage_writer"};
  caf::actor_system_config cfg_;
  std::optional<caf::actor_system> sys_;
  actors::storage_writer_actor writer_;
  caf::actor client_;
  std::unique_ptr<soci::session> peek_;
  sync_gate gate_;
  std::mutex answers_mutex_;
  std::vector<std::string> answered_;
};

TEST_F(storage_writer_test, a_write_is_answered_only_after_a_sync_that_covers_its_commit) {
  write("j1");
  ASSERT_TRUE(eventually([&] { return stored("j1"); }));
  ASSERT_TRUE(eventually([&] { return gate_.syncs_entered() >= 1; }));
  // Committed, and its sync held: no answer may have left.
  EXPECT_TRUE(answered().empty());
  gate_.let_through();
  ASSERT_TRUE(eventually([&] { return !answered().empty(); }));
  EXPECT_EQ(answered(), std::vector<std::string>{"j1"});
}

TEST_F(storage_writer_test, the_next_write_commits_while_the_last_one_is_being_synced) {
  write("j1");
  ASSERT_TRUE(eventually([&] { return gate_.syncs_entered() >= 1; }));
  write("j2");
  // The writer is not waiting on the held sync: j2 commits beside it.
  ASSERT_TRUE(eventually([&] { return stored("j2"); }));
  EXPECT_TRUE(answered().empty());
  gate_.let_through();
  ASSERT_TRUE(eventually([&] { return answered().size() == 2; }));
  EXPECT_EQ(answered(), (std::vector<std::string>{"j1", "j2"})) << "answered in the order written";
}

}  // namespace
