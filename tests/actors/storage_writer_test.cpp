// The storage writer commits the next transaction while the write-ahead log of the last one is
// synced on another thread, and answers a write only once a sync covers its commit.
#include "actors/messages.hpp"
#include "actors/metrics.hpp"
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
#include <sstream>
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

// A lazy write (a runner's periodic progress: nobody waits on it) waits for other writes to
// share its commit; any other write takes it along at once; a writer told to stop commits it
// first. The wait is 10 s here, so that nothing but those can have committed it.
TEST_F(storage_writer_test, a_lazy_write_waits_for_the_next_commit_and_is_committed_before_the_writer_stops) {
  gate_.let_through();
  auto counts = std::make_shared<actors::metrics>();
  auto lazy_url = dir_.sqlite_url("lazy.db");
  auto writer = actors::spawn_storage_writer(*sys_, storage::open_and_migrate(lazy_url), 1024, counts, {},
                                             std::chrono::seconds(10));
  auto peek = storage::open(lazy_url);
  auto stored_there = [&](const std::string& id) {
    int n = 0;
    *peek << "SELECT COUNT(*) FROM jobs WHERE id = :id", soci::use(id), soci::into(n);
    return n == 1;
  };
  auto commits = [&] {
    std::istringstream text{counts->text()};
    for (std::string line; std::getline(text, line);)
      if (line.rfind("jobmesh_storage_commit_rows_count ", 0) == 0)
        return std::stod(line.substr(line.find(' ') + 1));
    return -1.0;
  };
  std::atomic<int> answers{0};
  auto sender = sys_->spawn(
      [](caf::event_based_actor* self, actors::storage_writer_actor to, std::atomic<int>* answered) -> caf::behavior {
        auto counted = [answered](caf::ok_atom) { answered->fetch_add(1); };
        return {
            [=](actors::lazy_atom, const std::string& id) {
              self->request(to, caf::infinite, actors::write_atom::value, insert_job(id), actors::lazy_atom::value)
                  .then(counted);
            },
            [=](const std::string& id) {
              self->request(to, caf::infinite, actors::write_atom::value, insert_job(id)).then(counted);
            },
        };
      },
      writer, &answers);

  caf::anon_send(sender, actors::lazy_atom::value, std::string{"lazy-1"});
  // Committed on its own, it would be stored within milliseconds: 300 ms say it waits.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_FALSE(stored_there("lazy-1")) << "a lazy write was committed before its wait or another write";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(answers.load(), 0);
  EXPECT_EQ(commits(), 0);
  caf::anon_send(sender, std::string{"now-1"});
  ASSERT_TRUE(eventually([&] { return answers.load() == 2; }));
  EXPECT_TRUE(stored_there("lazy-1"));
  EXPECT_TRUE(stored_there("now-1"));
  EXPECT_EQ(commits(), 1) << "the lazy write shares the other write's commit";

  caf::anon_send(sender, actors::lazy_atom::value, std::string{"lazy-2"});
  caf::anon_send_exit(sender, caf::exit_reason::user_shutdown);  // after it sent lazy-2 (one mailbox, in order)
  caf::scoped_actor self{*sys_};
  self->wait_for(sender);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  self->wait_for(writer);
  EXPECT_TRUE(stored_there("lazy-2")) << "a writer told to stop left a lazy write uncommitted";
  EXPECT_EQ(commits(), 2);
}

}  // namespace
