#include "tests/scratch_dir.hpp"
#include "storage/database.hpp"
#include "storage/job_repository.hpp"
#include "storage/migrations.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <filesystem>
#include <set>

using namespace jobmesh::storage;

namespace {

class job_repository_test : public ::testing::Test {
protected:
  void SetUp() override {
    db_ = open_and_migrate(dir_.sqlite_url("test.db"));
  }
  void TearDown() override { db_.reset(); }

  static job_record make_job(const std::string& id, const std::string& user = "u1") {
    job_record j;
    j.id = id;
    j.type = "sleep";
    j.user_id = user;
    j.params = R"({"items":3})";
    j.created_at = j.updated_at = 1'700'000'000'000;
    return j;
  }

  jobmesh::testing::scratch_dir dir_{"jobmesh_repo"};
  std::unique_ptr<soci::session> db_;
};

}  // namespace

TEST_F(job_repository_test, migration_is_idempotent) {
  int latest = 0;
  for (const auto& m : embedded_migrations())
    if (m.backend == "sqlite")
      latest = std::max(latest, static_cast<int>(m.version));
  EXPECT_EQ(latest, 13);  // 0001_jobs ... 0012_unused_item_index, 0013_single_item_in_job_row
  EXPECT_EQ(migrate(*db_, "sqlite"), latest);
  EXPECT_EQ(migrate(*db_, "sqlite"), latest);
  std::string mode;
  *db_ << "PRAGMA journal_mode", soci::into(mode);
  EXPECT_EQ(mode, "wal");
}

// 0009 rebuilds jobs and job_items (their status checks without IN lists): what a database
// of the schema before it holds comes through whole, the rule still holds, and so does the
// items' reference to their job.
TEST(migrations, rebuilding_the_job_tables_keeps_their_rows_and_rules) {
  jobmesh::testing::scratch_dir dir{"jobmesh_migrate"};
  auto db = open(dir.sqlite_url("old.db"));
  ASSERT_EQ(migrate(*db, "sqlite", 8), 8);
  *db << "INSERT INTO jobs (id, type, user_id, status, priority, total_items, processed_items, failed_items, "
         "attempt, max_attempts, timeout_s, params, error_message, idempotency_key, current_item, job_group, "
         "depends_on, created_at, started_at, completed_at, updated_at, expires_at, run_after, heartbeat_at, "
         "max_failed_ratio, schedule) VALUES ('01A', 'sleep', 'u1', 'failed', 7, 3, 2, 1, 2, 5, 60, "
         "'{\"items\":3}', 'boom', 'k1', 'item 2', 'g', '00X,00Y', 10, 11, 12, 13, 14, 15, 16, 0.25, 'nightly')";
  *db << "INSERT INTO jobs (id, type, user_id, status, max_attempts, timeout_s, created_at, updated_at) "
         "VALUES ('01B', 'noop', 'u2', 'queued', 3, 10, 20, 20)";
  *db << "INSERT INTO job_items (job_id, idx, item_key, status, attempts, error, processing_time_ms, updated_at, "
         "result) VALUES ('01A', 1, 'b', 'failed', 3, 'late', 40, 41, '{\"n\":1}')";
  ASSERT_EQ(migrate(*db, "sqlite"), 13);  // through 0009, and the migrations after it

  auto a = find_job(*db, "01A");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, job_status::failed);
  EXPECT_EQ(a->priority, 7);
  EXPECT_EQ(a->processed_items, 2);
  EXPECT_EQ(a->attempt, 2);
  EXPECT_EQ(a->params, R"({"items":3})");
  EXPECT_EQ(a->error_message, "boom");
  EXPECT_EQ(a->idempotency_key, "k1");
  EXPECT_EQ(a->depends_on, (std::vector<std::string>{"00X", "00Y"}));
  EXPECT_EQ(a->completed_at, 12);
  EXPECT_EQ(a->heartbeat_at, 16);
  EXPECT_DOUBLE_EQ(a->max_failed_ratio, 0.25);
  EXPECT_EQ(a->schedule, "nightly");
  EXPECT_EQ(find_job_by_idempotency_key(*db, "u1", "k1")->id, "01A");  // its index is back
  ASSERT_EQ(jobs_with_status(*db, job_status::queued).size(), 1u);
  auto items = all_items(*db, "01A");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].status, item_status::failed);
  EXPECT_EQ(items[0].error, "late");
  EXPECT_EQ(items[0].result, R"({"n":1})");

  EXPECT_THROW(*db << "UPDATE jobs SET status = 'done' WHERE id = '01B'", soci::soci_error);
  EXPECT_THROW(*db << "UPDATE job_items SET status = 'queued' WHERE job_id = '01A'", soci::soci_error);
  write_batch orphan{.inserted_items = {{.job_id = "missing", .index = 0, .key = "0"}}};
  EXPECT_THROW(commit(*db, orphan), soci::soci_error);
  *db << "DELETE FROM jobs WHERE id = '01A'";  // its items go with it
  EXPECT_TRUE(all_items(*db, "01A").empty());
  int tables = 0;
  *db << "SELECT COUNT(*) FROM sqlite_schema WHERE name LIKE '%before_0009'", soci::into(tables);
  EXPECT_EQ(tables, 0);
}

TEST_F(job_repository_test, insert_then_find_round_trips_every_field) {
  auto j = make_job("01A");
  j.priority = 10;
  j.depends_on = {"00X", "00Y"};
  j.idempotency_key = "k1";
  j.group = "test";
  commit(*db_, {.inserted_jobs = {j}});
  auto got = find_job(*db_, "01A");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, "sleep");
  EXPECT_EQ(got->priority, 10);
  EXPECT_EQ(got->params, R"({"items":3})");
  EXPECT_EQ(got->depends_on, (std::vector<std::string>{"00X", "00Y"}));
  EXPECT_EQ(got->created_at, 1'700'000'000'000);
  EXPECT_EQ(got->status, job_status::queued);
  EXPECT_FALSE(find_job(*db_, "nope"));
  auto by_key = find_job_by_idempotency_key(*db_, "u1", "k1");
  ASSERT_TRUE(by_key);
  EXPECT_EQ(by_key->id, "01A");
  EXPECT_FALSE(find_job_by_idempotency_key(*db_, "u2", "k1"));
}

TEST_F(job_repository_test, batch_is_all_or_nothing) {
  commit(*db_, {.inserted_jobs = {make_job("01A")}});
  write_batch bad{.inserted_jobs = {make_job("01B"), make_job("01A")}};  // duplicate id
  EXPECT_THROW(commit(*db_, bad), soci::soci_error);
  EXPECT_FALSE(find_job(*db_, "01B"));
}

TEST_F(job_repository_test, updates_and_status_queries) {
  auto a = make_job("01A");
  auto b = make_job("01B");
  b.priority = 5;
  commit(*db_, {.inserted_jobs = {a, b}});
  a.status = job_status::running;
  a.processed_items = 2;
  a.attempt = 1;
  commit(*db_, {.updated_jobs = {a}});
  EXPECT_EQ(find_job(*db_, "01A")->processed_items, 2);
  auto queued = jobs_with_status(*db_, job_status::queued);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].id, "01B");
  EXPECT_EQ(jobs_with_status(*db_, job_status::running).size(), 1u);
}

TEST_F(job_repository_test, list_jobs_pages_newest_first_with_filters) {
  commit(*db_, {.inserted_jobs = {make_job("01A"), make_job("01B", "u2"), make_job("01C")}});
  auto page1 = list_jobs(*db_, {.user_id = "u1", .limit = 1});
  ASSERT_EQ(page1.size(), 1u);
  EXPECT_EQ(page1[0].id, "01C");
  auto page2 = list_jobs(*db_, {.user_id = "u1", .after = "01C", .limit = 10});
  ASSERT_EQ(page2.size(), 1u);
  EXPECT_EQ(page2[0].id, "01A");
  EXPECT_EQ(list_jobs(*db_, {.status = "failed"}).size(), 0u);
}

// jobs_by_status holds only the jobs not completed (0011): SQLite uses a partial index only for a
// query that states its condition, so each query by a status other than completed must, or the
// queue's load at start reads the whole table. Each query's plan, as the repository ran it.
TEST_F(job_repository_test, queries_by_a_status_not_completed_use_the_status_index) {
  auto done = make_job("01A");
  done.status = job_status::completed;
  commit(*db_, {.inserted_jobs = {done, make_job("01B")}});
  auto plan_of_last_query = [&] {
    std::string sql = db_->get_last_query();
    std::string plan;
    soci::rowset<soci::row> rows = (db_->prepare << "EXPLAIN QUERY PLAN " + sql);
    for (const auto& r : rows)
      plan += r.get<std::string>(3) + "; ";
    return sql + " -> " + plan;
  };
  auto uses_index = [](const std::string& plan) { return plan.find("USING INDEX jobs_by_status") != std::string::npos; };
  EXPECT_EQ(jobs_with_status(*db_, job_status::queued).size(), 1u);
  auto plan = plan_of_last_query();
  EXPECT_TRUE(uses_index(plan)) << plan;
  EXPECT_EQ(jobs_with_status(*db_, job_status::running).size(), 0u);
  plan = plan_of_last_query();
  EXPECT_TRUE(uses_index(plan)) << plan;
  EXPECT_EQ(stalled_jobs(*db_, 1).size(), 0u);
  plan = plan_of_last_query();
  EXPECT_TRUE(uses_index(plan)) << plan;
  EXPECT_EQ(list_jobs(*db_, {.status = "failed"}).size(), 0u);
  plan = plan_of_last_query();
  EXPECT_TRUE(uses_index(plan)) << plan;
  // Completed jobs are not in the index, and are still found.
  auto completed = jobs_with_status(*db_, job_status::completed);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].id, "01A");
  EXPECT_EQ(list_jobs(*db_, {.status = "completed"}).size(), 1u);

  // A job's items by status are read through the primary key (0012 dropped the index by status,
  // which no plan used).
  commit(*db_, {.inserted_items = {{.job_id = "01B", .index = 0, .key = "a", .status = item_status::done},
                                   {.job_id = "01B", .index = 1, .key = "b", .status = item_status::failed},
                                   {.job_id = "01B", .index = 2, .key = "c"}}});
  for (auto status : {item_status::failed, item_status::pending}) {
    auto items = list_items(*db_, {.job_id = "01B", .status = status});
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].status, status);
    plan = plan_of_last_query();
    EXPECT_NE(plan.find("USING PRIMARY KEY"), std::string::npos) << plan;
  }
  auto done_items = list_items(*db_, {.job_id = "01B", .status = item_status::done});
  ASSERT_EQ(done_items.size(), 1u);
  EXPECT_EQ(done_items[0].key, "a");
}

TEST_F(job_repository_test, items_insert_update_and_list) {
  commit(*db_, {.inserted_jobs = {make_job("01A")}});
  write_batch items;
  for (int i = 0; i < 3; ++i)
    items.inserted_items.push_back({.job_id = "01A", .index = i, .key = std::to_string(i)});
  commit(*db_, items);
  item_record failed{.job_id = "01A", .index = 1, .key = "1", .status = item_status::failed, .attempts = 3, .error = "boom"};
  commit(*db_, {.updated_items = {failed}});
  auto all = all_items(*db_, "01A");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].status, item_status::failed);
  EXPECT_EQ(all[1].error, "boom");
  auto only_failed = list_items(*db_, {.job_id = "01A", .status = item_status::failed});
  ASSERT_EQ(only_failed.size(), 1u);
  EXPECT_EQ(only_failed[0].index, 1);
  EXPECT_EQ(list_items(*db_, {.job_id = "01A", .after = 0, .limit = 1})[0].index, 1);
}

// A job of one item ended by a fenced write (a job batch's) keeps the item in its own row; its
// listings read it from there until a later run writes the item to job_items, which then wins.
TEST_F(job_repository_test, a_job_of_one_item_keeps_it_in_its_row_until_a_later_run_writes_it) {
  auto job = make_job("s1");
  commit(*db_, {.inserted_jobs = {job}});
  job.status = job_status::failed;
  job.attempt = 1;
  job.total_items = job.failed_items = 1;
  item_record first{.job_id = "s1", .index = 0, .key = "only", .status = item_status::failed, .attempts = 2,
                    .error = "boom \"quoted\"", .processing_time_ms = 7, .updated_at = 1'700'000'000'300,
                    .result = R"({"n":[1,2]})"};
  write_batch end{.updated_jobs = {job}, .fences = {{"s1", 0, job_status::queued}}};
  end.single_items.emplace("s1", encode_single_item(first, job.completed_at));
  ASSERT_TRUE(commit(*db_, end).empty());

  int rows = -1;
  *db_ << "SELECT COUNT(*) FROM job_items", soci::into(rows);
  EXPECT_EQ(rows, 0);
  auto all = all_items(*db_, "s1");
  ASSERT_EQ(all.size(), 1u);
  const auto& got = all.front();
  EXPECT_EQ(got.job_id, "s1");
  EXPECT_EQ(got.index, 0);
  EXPECT_EQ(got.key, "only");
  EXPECT_EQ(got.status, item_status::failed);
  EXPECT_EQ(got.attempts, 2);
  EXPECT_EQ(got.error, first.error);
  EXPECT_EQ(got.processing_time_ms, 7);
  EXPECT_EQ(got.updated_at, first.updated_at);
  EXPECT_EQ(got.result, first.result);
  EXPECT_EQ(list_items(*db_, {.job_id = "s1", .status = item_status::failed}).size(), 1u);
  EXPECT_TRUE(list_items(*db_, {.job_id = "s1", .status = item_status::done}).empty());
  EXPECT_TRUE(list_items(*db_, {.job_id = "s1", .after = 0}).empty());
  EXPECT_TRUE(all_items(*db_, "another").empty());

  // A retry runs the item again: its update creates the row, and the row is what is read.
  item_record again = got;
  again.status = item_status::done;
  again.error.clear();
  again.attempts = 1;
  commit(*db_, {.updated_items = {again}});
  *db_ << "SELECT COUNT(*) FROM job_items", soci::into(rows);
  EXPECT_EQ(rows, 1);
  all = all_items(*db_, "s1");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.front().status, item_status::done);
  EXPECT_EQ(all.front().attempts, 1);
  EXPECT_EQ(all.front().key, "only");
}

// Inserted and ended in one commit (the row written as it ended): the item goes with the row.
TEST_F(job_repository_test, a_job_inserted_and_ended_in_one_commit_keeps_its_one_item_in_its_row) {
  auto job = make_job("c1");
  write_batch submission{.inserted_jobs = {job}};
  job.status = job_status::completed;
  job.attempt = 1;
  job.total_items = job.processed_items = 1;
  job.completed_at = job.updated_at = 1'700'000'000'200;
  item_record item{.job_id = "c1", .index = 0, .key = "0", .status = item_status::done, .attempts = 1,
                   .updated_at = 1'700'000'000'200};
  write_batch end{.updated_jobs = {job}, .fences = {{"c1", 0, job_status::queued}}};
  end.single_items.emplace("c1", encode_single_item(item, job.completed_at));
  std::vector<const write_batch*> both{&submission, &end};
  auto refused = commit(*db_, both);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_TRUE(refused[1].empty());
  ASSERT_EQ(find_job(*db_, "c1")->status, job_status::completed);
  auto items = all_items(*db_, "c1");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items.front().status, item_status::done);
  EXPECT_EQ(items.front().updated_at, item.updated_at);
}

TEST(single_item, encodes_every_field_and_refuses_what_is_no_item) {
  item_record item{.job_id = "j", .index = 0, .key = "k", .status = item_status::done, .attempts = 1,
                   .processing_time_ms = 3, .updated_at = 4, .result = "{}"};
  auto text = encode_single_item(item, 3);
  EXPECT_EQ(text, R"([0,"done",1,3,1,"k","","{}"])");
  auto back = decode_single_item("j", text, 3);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->updated_at, 4);
  EXPECT_EQ(back->key, "k");
  EXPECT_EQ(back->status, item_status::done);
  EXPECT_EQ(back->result, "{}");
  EXPECT_FALSE(decode_single_item("j", "not json", 0));
  EXPECT_FALSE(decode_single_item("j", R"([0,"done",1,3,1,"k",""])", 0));
  EXPECT_FALSE(decode_single_item("j", R"([0,"lost",1,3,1,"k","",""])", 0));
  EXPECT_FALSE(decode_single_item("j", R"([0,"done","1",3,1,"k","",""])", 0));
}

TEST_F(job_repository_test, items_cannot_outlive_or_precede_their_job) {
  write_batch orphan{.inserted_items = {{.job_id = "missing", .index = 0, .key = "0"}}};
  EXPECT_THROW(commit(*db_, orphan), soci::soci_error);
}

TEST(database, rejects_unknown_url_scheme) {
  EXPECT_THROW(backend_of("mysql://x"), std::invalid_argument);
  EXPECT_EQ(backend_of("sqlite:x.db"), backend::sqlite);
  EXPECT_EQ(backend_of("postgresql://u@h/db"), backend::postgresql);
}

// The writer's connection asks SQLite for a larger page cache; others keep its default.
TEST(database, a_connection_gets_the_page_cache_it_asks_for) {
  jobmesh::testing::scratch_dir dir{"jobmesh_cache"};
  auto url = dir.sqlite_url("cache.db");
  open_options big;
  big.cache_kib = k_writer_cache_kib;
  auto writer = open_and_migrate(url, big);
  auto other = open(url);
  int writer_cache = 0, other_cache = 0;
  *writer << "PRAGMA cache_size", soci::into(writer_cache);
  *other << "PRAGMA cache_size", soci::into(other_cache);
  EXPECT_EQ(writer_cache, -k_writer_cache_kib);  // negative: KiB
  EXPECT_EQ(other_cache, -2000);                 // SQLite's default, 2,000 KiB
}

// Fencing: a runner's writes name the attempt (and status) they expect; a stale one's job
// update and item writes are refused, the rest of a shared batch commits.
TEST_F(job_repository_test, fenced_writes_apply_only_at_the_expected_attempt) {
  auto job = make_job("j1");
  job.status = job_status::running;
  job.attempt = 2;
  auto other = make_job("j2");
  commit(*db_, {{job, other}, {}, {{"j1", 0, "a"}}, {}});

  write_batch stale;
  auto late = job;
  late.attempt = 1;  // the runner of attempt 1 reports after attempt 2 took over
  late.status = job_status::completed;
  late.processed_items = 1;
  stale.updated_jobs.push_back(late);
  item_record item{"j1", 0, "a"};
  item.status = item_status::done;
  item.result = R"({"from":"attempt 1"})";
  stale.updated_items.push_back(item);
  stale.fences.push_back({"j1", 1, job_status::running});
  auto moved = other;
  moved.priority = 7;  // an unfenced write sharing the transaction
  stale.updated_jobs.push_back(moved);
  EXPECT_EQ(commit(*db_, stale), std::vector<std::string>{"j1"});

  auto stored = find_job(*db_, "j1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, job_status::running);
  EXPECT_EQ(stored->attempt, 2);
  EXPECT_EQ(stored->processed_items, 0);
  auto items = all_items(*db_, "j1");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].status, item_status::pending);
  EXPECT_EQ(items[0].result, "");
  EXPECT_EQ(find_job(*db_, "j2")->priority, 7);

  // The current attempt's write goes through.
  write_batch current;
  auto done = job;
  done.status = job_status::completed;
  current.updated_jobs.push_back(done);
  current.updated_items.push_back(item);
  current.fences.push_back({"j1", 2, job_status::running});
  EXPECT_TRUE(commit(*db_, current).empty());
  EXPECT_EQ(find_job(*db_, "j1")->status, job_status::completed);
  EXPECT_EQ(all_items(*db_, "j1")[0].status, item_status::done);

  // A claim expects the attempt before it, queued: a second claim of the same attempt fails.
  write_batch claim;
  auto claimed = done;
  claimed.status = job_status::running;
  claimed.attempt = 3;
  claim.updated_jobs.push_back(claimed);
  claim.fences.push_back({"j1", 2, job_status::queued});
  EXPECT_EQ(commit(*db_, claim), std::vector<std::string>{"j1"}) << "a completed job was claimed";
}

// A group commit: several batches in one transaction, kind by kind in the batches' order; a
// batch's fence refuses its own writes of its job only (another batch, here the current
// runner's, may write the same job), and the rest commits.
// Inserts go 32 and 8 rows to a statement, the rest one by one: every row lands whole and in
// place whatever its position, items of a refused job are left out of the chunks, a failed
// chunk fails the whole commit, and the cached statements work again after it.
TEST_F(job_repository_test, inserts_of_many_rows_land_whole_across_statement_sizes) {
  prepared_writes cache;
  write_batch jobs;
  for (int i = 0; i < 45; ++i) {  // 32 + 8 + 5
    auto j = make_job(fmt::format("m{:02}", i), i % 2 == 0 ? "u1" : "u2");
    j.priority = i;
    j.params = fmt::format(R"({{"n":{}}})", i);
    j.idempotency_key = fmt::format("key-{}", i);
    j.created_at = j.updated_at = 1'000 + i;
    jobs.inserted_jobs.push_back(j);
  }
  const write_batch* one = &jobs;
  commit(*db_, std::span<const write_batch* const>{&one, 1}, &cache);
  for (int i = 0; i < 45; ++i) {
    auto got = find_job(*db_, fmt::format("m{:02}", i));
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(got->priority, i);
    EXPECT_EQ(got->params, fmt::format(R"({{"n":{}}})", i));
    EXPECT_EQ(got->user_id, i % 2 == 0 ? "u1" : "u2");
    EXPECT_EQ(got->created_at, 1'000 + i);
    EXPECT_EQ(find_job_by_idempotency_key(*db_, got->user_id, fmt::format("key-{}", i))->id, got->id);
  }

  // Items of m00 in two batches around a batch whose fenced write of m01 is refused: m01's
  // items fall out of the middle of what would have been one chunk.
  auto items_of = [](const std::string& job, int from, int to) {
    std::vector<item_record> out;
    for (int i = from; i < to; ++i)
      out.push_back({.job_id = job, .index = i, .key = fmt::format("k{}", i), .status = item_status::done,
                     .attempts = 1, .result = fmt::format(R"({{"i":{}}})", i)});
    return out;
  };
  write_batch first{.inserted_items = items_of("m00", 0, 20)};
  auto m01 = make_job("m01", "u2");
  m01.status = job_status::completed;
  write_batch refused_one{.updated_jobs = {m01}, .inserted_items = items_of("m01", 0, 15),
                          .fences = {{"m01", 7, job_status::running}}};
  write_batch second{.inserted_items = items_of("m00", 20, 41)};
  std::vector<const write_batch*> all{&first, &refused_one, &second};
  auto refused = commit(*db_, all, &cache);
  EXPECT_EQ(refused[1], std::vector<std::string>{"m01"});
  auto items = all_items(*db_, "m00");
  ASSERT_EQ(items.size(), 41u);
  for (int i = 0; i < 41; ++i) {
    EXPECT_EQ(items[static_cast<std::size_t>(i)].index, i);
    EXPECT_EQ(items[static_cast<std::size_t>(i)].key, fmt::format("k{}", i));
    EXPECT_EQ(items[static_cast<std::size_t>(i)].result, fmt::format(R"({{"i":{}}})", i));
  }
  EXPECT_TRUE(all_items(*db_, "m01").empty());

  // A repeated id in the middle of a 32-row statement: nothing of the commit is stored.
  write_batch again;
  for (int i = 0; i < 40; ++i)
    again.inserted_jobs.push_back(make_job(fmt::format("n{:02}", i == 17 ? 3 : i)));
  one = &again;
  EXPECT_THROW(commit(*db_, std::span<const write_batch* const>{&one, 1}, &cache), soci::soci_error);
  EXPECT_FALSE(find_job(*db_, "n00"));
  EXPECT_FALSE(find_job(*db_, "n39"));
  again.inserted_jobs[17].id = "n17";
  commit(*db_, std::span<const write_batch* const>{&one, 1}, &cache);
  EXPECT_TRUE(find_job(*db_, "n00"));
  EXPECT_TRUE(find_job(*db_, "n39"));
}

TEST_F(job_repository_test, several_batches_commit_as_one_in_order) {
  auto job = make_job("j1");
  job.status = job_status::running;
  job.attempt = 2;
  write_batch insert{.inserted_jobs = {job, make_job("j2")}, .inserted_items = {{"j1", 0, "a"}}};

  auto prioritised = make_job("j2");
  prioritised.priority = 5;
  write_batch first_update{.updated_jobs = {prioritised}};
  prioritised.priority = 9;  // a later batch's write of the same row wins
  write_batch second_update{.updated_jobs = {prioritised}};

  auto late = job;
  late.attempt = 1;
  late.status = job_status::completed;
  item_record item{"j1", 0, "a"};
  item.status = item_status::done;
  item.result = R"({"from":"attempt 1"})";
  write_batch stale{.updated_jobs = {late}, .updated_items = {item}, .fences = {{"j1", 1, job_status::running}}};
  auto current = job;
  current.processed_items = 1;
  item.result = R"({"from":"attempt 2"})";
  write_batch progress{.updated_jobs = {current}, .updated_items = {item}, .fences = {{"j1", 2, job_status::running}}};

  std::vector<const write_batch*> all{&insert, &first_update, &stale, &progress, &second_update};
  auto refused = commit(*db_, all);
  ASSERT_EQ(refused.size(), all.size());
  EXPECT_EQ(refused[2], std::vector<std::string>{"j1"});
  for (auto b : {0, 1, 3, 4})
    EXPECT_TRUE(refused[b].empty()) << "batch " << b;
  auto j1 = find_job(*db_, "j1");
  ASSERT_TRUE(j1);
  EXPECT_EQ(j1->status, job_status::running);
  EXPECT_EQ(j1->attempt, 2);
  EXPECT_EQ(j1->processed_items, 1);
  auto items = all_items(*db_, "j1");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].status, item_status::done);
  EXPECT_EQ(items[0].result, R"({"from":"attempt 2"})");
  auto j2 = find_job(*db_, "j2");
  ASSERT_TRUE(j2);
  EXPECT_EQ(j2->priority, 9);

  // All or nothing across batches too: a duplicate id in the last batch undoes the first's.
  write_batch fresh{.inserted_jobs = {make_job("j3")}};
  write_batch duplicate{.inserted_jobs = {make_job("j1")}};
  std::vector<const write_batch*> failing{&fresh, &duplicate};
  EXPECT_THROW(commit(*db_, failing), soci::soci_error);
  EXPECT_FALSE(find_job(*db_, "j3"));
}

// A job inserted and ended (a fenced update) in one commit is inserted as it ended, its update
// not run: the row is what the insert and then the update would have left, the indexes agree
// with it, and a fence that would not hold, or a second write of the job, takes the long way.
TEST_F(job_repository_test, a_job_inserted_and_ended_in_one_commit_is_stored_as_it_ended) {
  auto q1 = make_job("q1"), q2 = make_job("q2"), q3 = make_job("q3");
  write_batch submission{.inserted_jobs = {q1, q2, q3}};

  auto ended = [](job_record job) {
    job.status = job_status::completed;
    job.attempt = 1;
    job.total_items = job.processed_items = 1;
    job.started_at = job.heartbeat_at = 1'700'000'000'100;
    job.completed_at = job.updated_at = 1'700'000'000'200;
    job.expires_at = 1'800'000'000'000;
    job.params = R"({"not":"written by an update"})";
    return job;
  };
  item_record item1{"q1", 0, "0"}, item2{"q2", 0, "0"};
  item1.status = item2.status = item_status::done;
  write_batch ends{.updated_jobs = {ended(q1), ended(q2), ended(q3)},
                   .inserted_items = {item1, item2},
                   .fences = {{"q1", 0, job_status::queued},
                              {"q2", 1, job_status::queued},  // not what the insert wrote: refused
                              {"q3", 0, job_status::queued}}};
  // A second write of q3 in the same commit: unfenced writes go before fenced ones (as always),
  // so q3's fence then fails, as it would were nothing coalesced.
  auto later = ended(q3);
  later.priority = 9;
  write_batch after{.updated_jobs = {later}};

  std::vector<const write_batch*> all{&submission, &ends, &after};
  auto refused = commit(*db_, all);
  ASSERT_EQ(refused.size(), 3u);
  EXPECT_TRUE(refused[0].empty());
  EXPECT_EQ(std::set<std::string>(refused[1].begin(), refused[1].end()), (std::set<std::string>{"q2", "q3"}));
  EXPECT_TRUE(refused[2].empty());

  auto stored1 = find_job(*db_, "q1");
  ASSERT_TRUE(stored1);
  EXPECT_EQ(stored1->status, job_status::completed);
  EXPECT_EQ(stored1->attempt, 1);
  EXPECT_EQ(stored1->processed_items, 1);
  EXPECT_EQ(stored1->completed_at, 1'700'000'000'200);
  EXPECT_EQ(stored1->expires_at, 1'800'000'000'000);
  EXPECT_EQ(stored1->params, q1.params) << "a column the update does not write came from the update";
  EXPECT_EQ(stored1->created_at, q1.created_at);
  ASSERT_EQ(all_items(*db_, "q1").size(), 1u);

  auto stored2 = find_job(*db_, "q2");
  ASSERT_TRUE(stored2);
  EXPECT_EQ(stored2->status, job_status::queued);
  EXPECT_EQ(stored2->attempt, 0);
  EXPECT_TRUE(all_items(*db_, "q2").empty()) << "the refused job's item was stored";

  auto stored3 = find_job(*db_, "q3");
  ASSERT_TRUE(stored3);
  EXPECT_EQ(stored3->status, job_status::completed);
  EXPECT_EQ(stored3->priority, 9) << "q3 is not as its unfenced write left it";

  // The status index says what the rows say.
  std::vector<std::string> completed, queued;
  for (const auto& job : jobs_with_status(*db_, job_status::completed))
    completed.push_back(job.id);
  for (const auto& job : jobs_with_status(*db_, job_status::queued))
    queued.push_back(job.id);
  EXPECT_EQ(completed, (std::vector<std::string>{"q3", "q1"}));  // priority 9 first
  EXPECT_EQ(queued, std::vector<std::string>{"q2"});
  EXPECT_EQ(count_expired_jobs(*db_, 1'900'000'000'000), 2);
  std::string integrity;
  *db_ << "PRAGMA integrity_check", soci::into(integrity);
  EXPECT_EQ(integrity, "ok");
}

#include "storage/database_lock.hpp"

#include <unistd.h>

TEST(database_lock, a_second_holder_is_refused_with_the_first_ones_pid) {
  jobmesh::testing::scratch_dir dir{"jobmesh_lock"};
  auto url = dir.sqlite_url("locked.db");
  auto first = database_lock::acquire(url);
  ASSERT_FALSE(first->path().empty());
  try {
    database_lock::acquire(url);
    FAIL() << "a second lock was granted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("in use by process " + std::to_string(::getpid())), std::string::npos)
        << e.what();
  }
  first.reset();
  EXPECT_NO_THROW(database_lock::acquire(url)) << "the lock outlived its holder";
  EXPECT_TRUE(database_lock::acquire("postgresql://127.0.0.1:1/none")->path().empty());
}
