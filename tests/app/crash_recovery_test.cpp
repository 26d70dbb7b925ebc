// kill -9 of a server in the middle of its jobs, then a restart on the same database: every
// job completes, and per item no outcome is recorded twice across attempts: an item stored as
// done before the kill is never run or written again (its row is unchanged at the end).
#include "storage/database.hpp"
#include "storage/job_repository.hpp"
#include "test_client.hpp"
#include "tests/scratch_dir.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

extern char** environ;

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

constexpr auto k_bound = std::chrono::seconds(60);

// `jobmesh serve` as a child process, its output in a file.
class server_process {
public:
  server_process(const std::filesystem::path& dir, const std::string& db) : log_(dir / "serve.log") {
    const char* bin = std::getenv("JOBMESH_BIN");
    EXPECT_NE(bin, nullptr) << "JOBMESH_BIN is not set";
    std::vector<std::string> args{bin ? bin : "jobmesh", "serve", "--listen", "127.0.0.1:0", "--db", db};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&files);
  }
  ~server_process() { end(SIGTERM); }

  /// The port it printed, waiting for it (bounded); 0 when it did not come.
  std::uint16_t port() {
    auto deadline = std::chrono::steady_clock::now() + k_bound;
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in{log_};
      std::string text{std::istreambuf_iterator<char>{in}, {}};
      auto at = text.find("http://127.0.0.1:");
      if (at != std::string::npos)
        return static_cast<std::uint16_t>(std::stoi(text.substr(at + 17)));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "serve printed no address";
    return 0;
  }

  /// Sends `sig` to the process this test started and waits for it to exit.
  void end(int sig) {
    if (pid_ <= 0)
      return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

std::map<std::pair<std::string, std::int64_t>, storage::item_record> done_items(const std::string& db) {
  auto session = storage::open(db);
  std::map<std::pair<std::string, std::int64_t>, storage::item_record> out;
  storage::job_filter all;
  all.limit = 1000;
  for (const auto& job : storage::list_jobs(*session, all))
    for (auto& item : storage::all_items(*session, job.id))
      if (item.status == storage::item_status::done)
        out.emplace(std::pair{item.job_id, item.index}, std::move(item));
  return out;
}

}  // namespace

TEST(crash_recovery, after_kill_9_every_job_completes_and_no_item_is_recorded_twice) {
  scratch_dir dir{"jobmesh_crash"};
  auto db = "sqlite:" + (dir.path() / "j.db").string();
  std::vector<std::string> ids;
  {
    server_process server{dir.path(), db};
    auto port = server.port();
    ASSERT_NE(port, 0);
    std::string body;
    for (int i = 0; i < 40; ++i)
      body += R"({"type":"sleep","params":{"items":30,"ms_per_item":15}})" "\n";
    auto reply = http_call(port, http::verb::post, "/api/v1/jobs", body, "application/x-ndjson");
    ASSERT_EQ(reply.status, 202u) << reply.body;
    auto reply_json = reply.json();
    for (const auto& j : reply_json.at("jobs").as_array())
      ids.emplace_back(j.at("id").as_string());
    ASSERT_EQ(ids.size(), 40u);
    // Until some items are stored done (read from the file, as another process may); the
    // jobs take ~2 s in all, so most are queued or running then.
    auto deadline = std::chrono::steady_clock::now() + k_bound;
    while (done_items(db).size() < 20 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    server.end(SIGKILL);
  }
  auto before = done_items(db);
  ASSERT_FALSE(before.empty()) << "nothing was stored before the kill";
  {
    server_process server{dir.path(), db};
    auto port = server.port();
    ASSERT_NE(port, 0);
    auto deadline = std::chrono::steady_clock::now() + k_bound;
    for (const auto& id : ids) {
      std::string status;
      while (std::chrono::steady_clock::now() < deadline) {
        auto job = http_call(port, http::verb::get, "/api/v1/jobs/" + id).json();
        status = std::string{job.at("status").as_string()};
        if (status != "queued" && status != "running")
          break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      EXPECT_EQ(status, "completed") << id;
    }
  }
  auto after = done_items(db);
  EXPECT_EQ(after.size(), ids.size() * 30) << "every item of every job is done";
  std::size_t unchanged = 0;
  for (const auto& [key, item] : before) {
    auto it = after.find(key);
    ASSERT_NE(it, after.end());
    EXPECT_EQ(it->second.updated_at, item.updated_at) << key.first << " item " << key.second << " was written again";
    EXPECT_EQ(it->second.attempts, item.attempts) << key.first << " item " << key.second << " ran again";
    unchanged += it->second.updated_at == item.updated_at ? 1 : 0;
  }
  EXPECT_EQ(unchanged, before.size());
}
