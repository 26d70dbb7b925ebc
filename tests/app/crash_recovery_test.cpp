// kill -9 of a server in the middle of its jobs, then a restart on the same database: every
// job completes, and per item no outcome is recorded twice across attempts: an item stored as
// done before the kill is never run or written again (its row is unchanged at the end).
#include "bench/server.hpp"
#include "storage/database.hpp"
#include "storage/job_repository.hpp"
#include "test_client.hpp"
#include "tests/scratch_dir.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <map>
#include <thread>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

constexpr auto k_bound = std::chrono::seconds(60);

// `jobmesh serve` (the binary under test) on a free loopback port over `db`.
bench::started_server serve(const std::filesystem::path& dir, const std::string& db) {
  const char* bin = std::getenv("JOBMESH_BIN");
  EXPECT_NE(bin, nullptr) << "JOBMESH_BIN is not set";
  return bench::start_server({"--db", db}, dir / "serve.log", bin ? bin : "jobmesh");
}

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
    auto server = serve(dir.path(), db);
    auto port = server.port;
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
    server.process->kill();
  }
  auto before = done_items(db);
  ASSERT_FALSE(before.empty()) << "nothing was stored before the kill";
  {
    auto server = serve(dir.path(), db);
    auto port = server.port;
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
