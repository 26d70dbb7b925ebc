#include "tests/scratch_dir.hpp"
#include "match/ndjson.hpp"
#include "match/stored_form.hpp"
#include "storage/database.hpp"
#include "storage/job_repository.hpp"
#include "storage/record_repository.hpp"

#include <fmt/format.h>
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

  static std::string form(const match::posting& p) {
    std::string out;
    match::append_form(match::prepare(p, match::normaliser{}), out);
    return out;
  }
  static record_upsert<match::posting> with_form(const match::posting& p) { return {p, "", form(p)}; }

  std::optional<std::string> form_of(const std::string& id) {
    std::string f;
    *db_ << "SELECT form FROM posting_forms WHERE id = :id", soci::use(id, "id"), soci::into(f);
    if (!db_->got_data())
      return std::nullopt;
    return f;
  }

  static std::size_t read_posting_chunk_count(const std::vector<std::string>& chunks) {
    std::size_t n = 0;
    for (const auto& c : chunks)
      n += match::read_posting_chunk(c).records.size();
    return n;
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

// Upserts go up to 32 to a statement: a batch of 90 writes, where ids repeat inside what would
// be one statement, postings and candidates alternate and deletes fall between, ends as the
// writes applied one by one in order would leave it.
TEST_F(record_repository_test, many_upserts_in_one_batch_apply_in_order) {
  auto named = [](int i, std::string_view title) {
    return posting(fmt::format(R"({{"id":"p{}","company":"C{}","title":"{}"}})", i, i % 7, title));
  };
  auto person = [](int i, std::string_view name) {
    auto read = match::read_candidates(fmt::format(R"({{"id":"c{}","full_name":"{}"}})", i, name));
    EXPECT_TRUE(read.errors.empty());
    return read.records.at(0);
  };
  std::vector<record_write> writes;
  for (int i = 0; i < 40; ++i)  // 32 + 8
    writes.push_back(named(i, "first"));
  writes.push_back(named(5, "second"));  // p5 again, in the next statement's rows
  for (int i = 40; i < 50; ++i)
    writes.push_back(named(i, "first"));
  writes.push_back(named(45, "second"));  // p45 twice among rows waiting together
  writes.push_back(record_delete{record_kind::posting, "p7"});
  writes.push_back(person(1, "Ann"));
  writes.push_back(named(7, "back"));  // deleted, then written again
  for (int i = 2; i < 30; ++i)
    writes.push_back(person(i, "Bo"));
  writes.push_back(person(1, "Ann B"));
  writes.push_back(record_delete{record_kind::candidate, "c29"});
  write(std::move(writes));

  EXPECT_EQ(count_records(*db_, record_kind::posting), 50);
  EXPECT_EQ(count_records(*db_, record_kind::candidate), 28);  // c1..c28
  for (int i = 0; i < 50; ++i) {
    auto stored = find_record(*db_, record_kind::posting, fmt::format("p{}", i));
    ASSERT_TRUE(stored) << i;
    auto title = i == 5 || i == 45 ? "second" : i == 7 ? "back" : "first";
    EXPECT_NE(stored->find(fmt::format(R"("title":"{}")", title)), std::string::npos) << *stored;
  }
  EXPECT_NE(find_record(*db_, record_kind::candidate, "c1")->find(R"("full_name":"Ann B")"), std::string::npos);
  EXPECT_TRUE(find_record(*db_, record_kind::candidate, "c28"));
  EXPECT_FALSE(find_record(*db_, record_kind::candidate, "c29"));
  std::string company;
  *db_ << "SELECT company FROM postings WHERE id = 'p48'", soci::into(company);
  EXPECT_EQ(company, "C6");
}

TEST_F(record_repository_test, candidates_page_by_id) {
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
  EXPECT_EQ(count_records(*db_, record_kind::posting), 0);
  EXPECT_EQ(count_records(*db_, record_kind::candidate), 3);
}

TEST_F(record_repository_test, forms_load_by_id_in_chunks_split_by_the_part_of_each_id) {
  std::vector<record_write> writes;
  for (auto id : {"a1", "b1", "a2", "c1"})
    writes.push_back(with_form(posting(fmt::format(R"({{"id":"{}","company":"A","title":"t"}})", id))));
  write(std::move(writes));
  // Part by the id's first letter: a -> 0, b -> 1, others -> 2.
  auto part_of = [](std::string_view id) { return std::min<std::size_t>(static_cast<std::size_t>(id[0] - 'a'), 2); };
  auto [parts, last] = forms_after(*db_, record_kind::posting, "", 3, 3, part_of);
  EXPECT_EQ(last, "b1");  // a1, a2, b1 by id: c1 is past the limit
  ASSERT_EQ(parts.size(), 3u);
  auto ids = [](const std::string& chunk) {
    std::vector<std::string> out;
    for (const auto& p : match::read_posting_chunk(chunk).records)
      out.push_back(p.id);
    return out;
  };
  EXPECT_EQ(ids(parts[0]), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(ids(parts[1]), (std::vector<std::string>{"b1"}));
  EXPECT_EQ(parts[2], "");
  auto [rest, end] = forms_after(*db_, record_kind::posting, last, 3, 3, part_of);
  EXPECT_EQ(end, "c1");
  EXPECT_EQ(ids(rest[2]), (std::vector<std::string>{"c1"}));
  auto [nothing, none] = forms_after(*db_, record_kind::posting, end, 3, 3, part_of);
  EXPECT_EQ(none, "");
  EXPECT_EQ(read_posting_chunk_count(nothing), 0u);
}

TEST_F(record_repository_test, a_form_never_outlives_the_version_of_its_record) {
  auto p1 = posting(R"({"id":"p1","company":"Acme","title":"t","required_skills":["Go"]})");
  write({with_form(p1), with_form(posting(R"({"id":"p2","company":"B","title":"t"})"))});
  EXPECT_EQ(count_forms(*db_, record_kind::posting), 2);
  EXPECT_EQ(form_of("p1"), form(p1));
  // Written again with a form: the new form. Without one (a writer that knows none): no form.
  auto p1_again = posting(R"({"id":"p1","company":"Acme","title":"t","required_skills":["Rust"]})");
  write({with_form(p1_again)});
  EXPECT_EQ(form_of("p1"), form(p1_again));
  write({posting(R"({"id":"p1","company":"Acme","title":"t"})")});
  EXPECT_EQ(form_of("p1"), std::nullopt);
  EXPECT_EQ(records_without_form(*db_, record_kind::posting, "", 10),
            (std::vector<std::pair<std::string, std::string>>{{"p1", *find_record(*db_, record_kind::posting, "p1")}}));
  // Changed or deleted by a statement of no writer here: the triggers drop the form.
  *db_ << "UPDATE postings SET title = 'x' WHERE id = 'p2'";
  EXPECT_EQ(count_forms(*db_, record_kind::posting), 0);
  write_forms(*db_, record_kind::posting, {{"p1", form(p1)}, {"p2", "f2"}, {"gone", "f3"}});
  EXPECT_EQ(count_forms(*db_, record_kind::posting), 2) << "no form for a record that is not stored";
  write({record_delete{record_kind::posting, "p1"}});
  EXPECT_EQ(form_of("p1"), std::nullopt);
  EXPECT_EQ(records_without_form(*db_, record_kind::posting, "", 10).size(), 0u);
}

TEST_F(record_repository_test, restarting_the_forms_of_a_kind_drops_them_and_sets_their_fingerprint) {
  EXPECT_EQ(forms_fingerprint(*db_, record_kind::posting), std::nullopt);
  write({with_form(posting(R"({"id":"p1","company":"A","title":"t"})"))});
  auto c = match::read_candidates(R"({"id":"c1"})").records.at(0);
  std::string cf;
  match::append_form(match::prepare(c, match::normaliser{}), cf);
  write({record_upsert<match::candidate>{c, "", cf}});
  restart_forms(*db_, record_kind::posting, -42);
  EXPECT_EQ(forms_fingerprint(*db_, record_kind::posting), -42);
  EXPECT_EQ(forms_fingerprint(*db_, record_kind::candidate), std::nullopt);
  EXPECT_EQ(count_forms(*db_, record_kind::posting), 0);
  EXPECT_EQ(count_forms(*db_, record_kind::candidate), 1) << "the other kind keeps its forms";
  restart_forms(*db_, record_kind::posting, 7);
  EXPECT_EQ(forms_fingerprint(*db_, record_kind::posting), 7);
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
