#include "tests/scratch_dir.hpp"
#include "match/ndjson.hpp"
#include "storage/database.hpp"
#include "storage/job_repository.hpp"
#include "storage/record_repository.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <filesystem>

using namespace jobmesh;
using namespace jobmesh::storage;

namespace {

class record_repository_test : public ::testing::Test {
protected:
  void SetUp() override {
    db_ = open_and_migrate(dir_.sqlite_url("test.db"));
  }
  void TearDown() override { db_.reset(); }

  static match::posting posting(std::string_view json) {
    auto read = match::read_postings(json);
    EXPECT_TRUE(read.errors.empty()) << read.errors.front().message;
    return read.records.at(0);
  }

  void write(std::vector<record_write> writes) {
    write_batch batch;
    batch.records = std::move(writes);
    commit(*db_, batch);
  }

  jobmesh::testing::scratch_dir dir_{"jobmesh_records"};
  std::unique_ptr<soci::session> db_;
};

}  // namespace

TEST_F(record_repository_test, an_upserted_posting_comes_back_as_given_with_its_unknown_fields) {
  auto p = posting(R"({"id":"p1","company":"Acme","title":"Data Engineer","lat":52.5,"lon":13.4,)"
                   R"("required_skills":["SQL","k8s"],"salary_min":50000,"source":{"feed":"x","rank":3}})");
  write({p});
  auto stored = find_record(*db_, record_kind::posting, "p1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, match::to_json(p));
  EXPECT_NE(stored->find(R"("source":{"feed":"x","rank":3})"), std::string::npos) << *stored;
  auto again = match::read_postings(*stored);
  ASSERT_EQ(again.records.size(), 1u);
  EXPECT_EQ(match::to_json(again.records[0]), *stored);
  std::string company, skills;
  double lat = 0;
  *db_ << "SELECT company, required_skills, lat FROM postings WHERE id = 'p1'", soci::into(company), soci::into(skills),
      soci::into(lat);
  EXPECT_EQ(company, "Acme");
  EXPECT_EQ(skills, R"(["SQL","k8s"])");
  EXPECT_EQ(lat, 52.5);
}

TEST_F(record_repository_test, upsert_replaces_by_id_and_writes_apply_in_order) {
  write({posting(R"({"id":"p1","company":"Acme","title":"old"})"), posting(R"({"id":"p2","company":"B","title":"t"})")});
  // In one batch: replace p1, delete p2 then bring it back, delete a record that never was.
  write({posting(R"({"id":"p1","company":"Acme","title":"new"})"), record_delete{record_kind::posting, "p2"},
         posting(R"({"id":"p2","company":"B","title":"back"})"), record_delete{record_kind::posting, "none"}});
  EXPECT_EQ(count_records(*db_, record_kind::posting), 2);
  EXPECT_NE(find_record(*db_, record_kind::posting, "p1")->find(R"("title":"new")"), std::string::npos);
  EXPECT_NE(find_record(*db_, record_kind::posting, "p2")->find(R"("title":"back")"), std::string::npos);
  write({record_delete{record_kind::posting, "p1"}});
  EXPECT_FALSE(find_record(*db_, record_kind::posting, "p1"));
  EXPECT_EQ(count_records(*db_, record_kind::posting), 1);
}

TEST_F(record_repository_test, candidates_page_by_id_and_load_as_ndjson) {
  auto read = match::read_candidates(R"({"id":"c3","skills":["Go"]}
{"id":"c1","full_name":"Ann","lat":1,"lon":2,"education_level":"master"}
{"id":"c2","rating":4.5,"review_count":2}
)");
  ASSERT_TRUE(read.errors.empty());
  std::vector<record_write> writes(read.records.begin(), read.records.end());
  write(std::move(writes));
  auto first = list_records(*db_, record_kind::candidate, "", 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_NE(first[0].find(R"("id":"c1")"), std::string::npos);
  EXPECT_NE(first[1].find(R"("id":"c2")"), std::string::npos);
  auto rest = list_records(*db_, record_kind::candidate, "c2", 2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_NE(rest[0].find(R"("id":"c3")"), std::string::npos);
  auto [chunk, last] = records_after(*db_, record_kind::candidate, "", 2);
  EXPECT_EQ(last, "c2");
  auto [tail, end] = records_after(*db_, record_kind::candidate, last, 2);
  EXPECT_EQ(end, "c3");
  EXPECT_EQ(records_after(*db_, record_kind::candidate, end, 2), (std::pair<std::string, std::string>{}));
  auto all = match::read_candidates(chunk + tail);
  ASSERT_TRUE(all.errors.empty());
  ASSERT_EQ(all.records.size(), 3u);
  EXPECT_EQ(all.records[0].full_name, "Ann");
  EXPECT_EQ(count_records(*db_, record_kind::posting), 0);
}

TEST_F(record_repository_test, a_failing_write_leaves_nothing_of_its_batch) {
  write({posting(R"({"id":"p1","company":"Acme","title":"t"})")});
  write_batch bad;
  bad.records = {posting(R"({"id":"p2","company":"B","title":"t"})")};
  item_record orphan;  // an item of a job that does not exist breaks the foreign key
  orphan.job_id = "missing";
  bad.inserted_items.push_back(orphan);
  EXPECT_THROW(commit(*db_, bad), soci::soci_error);
  EXPECT_FALSE(find_record(*db_, record_kind::posting, "p2"));
  EXPECT_EQ(count_records(*db_, record_kind::posting), 1);
}
