// The matching service over a real engine: records stored and held by S matcher shards, live
// queries equal to `jobmesh match`'s kernel over the same data whatever S is, writes seen by
// the next query, and the same answers after a restart.
#include "actors/marketplace.hpp"
#include "actors/record_forms.hpp"
#include "engine_fixture.hpp"
#include "match/generator.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"
#include "match/stored_form.hpp"
#include "storage/database.hpp"
#include "storage/job_repository.hpp"
#include "storage/record_repository.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <sstream>

using namespace jobmesh;
using namespace jobmesh::testing;
using storage::record_kind;
using ::testing::HasSubstr;

namespace {

struct generated {
  std::string postings, candidates;
};

generated generate_data(std::size_t postings, std::size_t candidates, std::uint64_t seed) {
  std::ostringstream p, c;
  match::generate({postings, candidates, seed}, p, c);
  return {p.str(), c.str()};
}

class marketplace_test : public engine_fixture {
protected:
  actors::ingest_reply ingest(record_kind kind, const std::string& ndjson) {
    actors::ingest_reply out;
    self()->request(engine_.marketplace, k_wait, actors::ingest_atom::value, kind, ndjson)
        .receive([&](actors::ingest_reply& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << "ingest: " << caf::to_string(e); });
    return out;
  }

  caf::expected<actors::match_reply> matches(record_kind source, const std::string& id, actors::match_options o = {}) {
    caf::expected<actors::match_reply> out{caf::error{}};
    self()->request(engine_.marketplace, k_wait, actors::match_atom::value, source, id, std::move(o))
        .receive([&](actors::match_reply& r) { out = std::move(r); }, [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  caf::expected<caf::ok_atom> remove(record_kind kind, const std::string& id) {
    caf::expected<caf::ok_atom> out{caf::error{}};
    self()->request(engine_.marketplace, k_wait, actors::delete_atom::value, kind, id)
        .receive([&](caf::ok_atom ok) { out = ok; }, [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  /// Live queries of every `step`-th source equal `batch`'s lists: both built-in profiles, both
  /// directions, top_per_company with fit for candidates.
  void expect_batch_lists(const match::batch_matcher& batch, std::size_t step);

  /// The ids and scores of a live query, as (id, score) pairs.
  std::vector<std::pair<std::string, double>> ranked(record_kind source, const std::string& id,
                                                     actors::match_options o = {}) {
    auto reply = matches(source, id, std::move(o));
    EXPECT_TRUE(reply) << caf::to_string(reply.error());
    std::vector<std::pair<std::string, double>> out;
    if (reply)
      for (const auto& m : reply->results)
        out.emplace_back(m.result.id, m.result.score);
    return out;
  }
};

// Same ids in the same order, scores within SPEC-matching.md's 1e-6.
void expect_same(const std::vector<std::pair<std::string, double>>& got, const match::source_results& want) {
  ASSERT_EQ(got.size(), want.results.size()) << "source " << want.source;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, want.results[i].id) << "source " << want.source << " rank " << i;
    EXPECT_NEAR(got[i].second, want.results[i].score, 1e-6) << "source " << want.source << " rank " << i;
  }
}

void marketplace_test::expect_batch_lists(const match::batch_matcher& batch, std::size_t step) {
  for (const match::profile* prof : {&match::fit_profile(), &match::proximity_profile()}) {
    for (auto dir : {match::direction::candidate, match::direction::posting}) {
      match::query q;
      q.dir = dir;
      q.prof = prof;
      q.top_k = 10;
      q.top_per_company = dir == match::direction::candidate && prof == &match::fit_profile();
      auto want = batch.run(q, 1);
      actors::match_options o;
      o.profile = prof->name;
      o.top_per_company = q.top_per_company;
      auto source = dir == match::direction::candidate ? record_kind::candidate : record_kind::posting;
      SCOPED_TRACE(prof->name + (dir == match::direction::candidate ? " candidate" : " posting"));
      for (std::size_t s = 0; s < want.size(); s += step)
        expect_same(ranked(source, want[s].source, o), want[s]);
    }
  }
}

}  // namespace

// SPEC-matching.md: the same lists whatever the shard count. The expected lists come from the
// batch kernel of `jobmesh match` over every record at once.
TEST_F(marketplace_test, live_queries_equal_the_batch_matcher_for_any_shard_count) {
  auto data = generate_data(600, 300, 21);
  match::normaliser words;
  auto postings = match::prepare_all(match::read_postings(data.postings).records, words);
  auto candidates = match::prepare_all(match::read_candidates(data.candidates).records, words);
  match::batch_matcher batch{postings, candidates};
  for (std::int64_t shards : {1, 2, 7}) {
    SCOPED_TRACE("shards " + std::to_string(shards));
    std::filesystem::remove_all(dir_);
    settings_.matching.shards = shards;
    settings_.activity.tracking = "off";  // the generated records' engagement counts, as in `jobmesh match`
    start();
    EXPECT_EQ(ingest(record_kind::posting, data.postings).accepted, 600);
    EXPECT_EQ(ingest(record_kind::candidate, data.candidates).accepted, 300);
    expect_batch_lists(batch, 7);  // every 7th source: enough, and quick
    stop();
  }
}

TEST_F(marketplace_test, an_update_or_delete_is_seen_by_the_next_query_and_a_restart_reloads_the_same) {
  settings_.matching.shards = 3;
  start();
  ingest(record_kind::candidate, R"({"id":"c1","skills":["go","sql"],"preferred_categories":["Data"]})");
  ingest(record_kind::posting, R"({"id":"p1","company":"A","title":"t","category":"Data","required_skills":["go"]}
{"id":"p2","company":"B","title":"t","category":"Web","required_skills":["css"]}
)");
  auto before = ranked(record_kind::candidate, "c1");
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].first, "p1");
  // p2 becomes the better fit; p1 goes away.
  ingest(record_kind::posting, R"({"id":"p2","company":"B","title":"t","category":"Data","required_skills":["go","sql"]})");
  EXPECT_EQ(ranked(record_kind::candidate, "c1").front().first, "p2");
  ASSERT_TRUE(remove(record_kind::posting, "p1"));
  auto after = ranked(record_kind::candidate, "c1");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].first, "p2");
  auto again = remove(record_kind::posting, "p1");
  ASSERT_FALSE(again);
  EXPECT_EQ(actors::code_of(again.error()), actors::errc::not_found);
  stop();
  settings_.matching.shards = 2;  // another shard count: the same answers
  start();
  EXPECT_EQ(ranked(record_kind::candidate, "c1"), after);
  auto reply = matches(record_kind::candidate, "c1");
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->results.size(), 1u);
  EXPECT_EQ(reply->results[0].matched_skills(), (std::vector<std::string_view>{"go", "sql"}));
  EXPECT_TRUE(reply->results[0].missing_skills().empty());
  EXPECT_FALSE(reply->results[0].distance_km);
}

// A load reads the records' stored forms: records stored without one (a database from before
// forms, a record changed by hand) are prepared at start, and forms made under other synonyms
// are made again under the config's.
TEST_F(marketplace_test, records_without_a_current_form_are_prepared_at_start) {
  settings_.matching.shards = 2;
  start();
  ingest(record_kind::candidate, R"({"id":"c1","skills":["py"]})");
  ingest(record_kind::posting, R"({"id":"p1","company":"A","title":"t","required_skills":["python"]}
{"id":"p2","company":"B","title":"t","required_skills":["py"]}
)");
  auto before = ranked(record_kind::candidate, "c1");
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].first, "p2") << "without the synonym only p2 shares the skill";
  stop();
  {
    auto db = storage::open(settings_.storage.db);
    storage::write_batch batch;
    batch.records = {
        storage::record_upsert<match::posting>{
            match::read_postings(R"({"id":"p3","company":"C","title":"t","required_skills":["Python"]})").records.at(0)},
        storage::record_upsert<match::posting>{
            match::read_postings(R"({"id":"p4","company":"D","title":"t"})").records.at(0)}};
    storage::commit(*db, batch);
    // p4's JSON no longer passes the rules (its trigger drops its form).
    *db << R"(UPDATE postings SET record = '{"id":"p4","company":"","title":"t"}' WHERE id = 'p4')";
    EXPECT_EQ(storage::count_forms(*db, record_kind::posting), 2);
  }
  settings_.matching.synonyms = {{"Py", "Python"}};
  start();
  auto after = ranked(record_kind::candidate, "c1");
  ASSERT_EQ(after.size(), 3u) << "p1, p2 and p3 (prepared at start); p4 is skipped";
  for (const auto& [id, score] : after) {
    EXPECT_NE(id, "p4");
    EXPECT_EQ(score, after[0].second) << id << ": py is python now, in every form";
  }
  auto reply = matches(record_kind::candidate, "c1");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->results.at(0).matched_skills(), (std::vector<std::string_view>{"python"}));
  stop();
  auto db = storage::open(settings_.storage.db);
  EXPECT_EQ(storage::count_forms(*db, record_kind::posting), 4) << "p4's form is empty: it is skipped, not redone";
  EXPECT_EQ(storage::forms_fingerprint(*db, record_kind::posting),
            match::form_fingerprint(match::normaliser{settings_.matching.synonyms}));
  auto again = actors::refresh_record_forms(*db, match::normaliser{settings_.matching.synonyms});
  EXPECT_EQ(again.prepared, 0) << "nothing to do at the next start";
}

// A form whose record is gone (which storage's triggers and checks prevent: here written by
// hand) would be loaded as a record; a start that counts more forms than records prepares
// them all again instead.
TEST_F(marketplace_test, more_stored_forms_than_records_are_prepared_again_not_loaded) {
  start();
  ingest(record_kind::candidate, R"({"id":"c1","skills":["go"]})");
  ingest(record_kind::posting, R"({"id":"p1","company":"A","title":"t","required_skills":["go"]})");
  stop();
  {
    auto db = storage::open(settings_.storage.db);
    match::posting ghost;
    ghost.id = "ghost";
    ghost.company = "G";
    ghost.title = "t";
    ghost.required_skills = {"go"};
    std::string form;
    match::append_form(match::prepare(ghost, match::normaliser{}), form);
    *db << "INSERT INTO posting_forms (id, form) VALUES ('ghost', :form)", soci::use(form, "form");
    EXPECT_EQ(storage::count_forms(*db, record_kind::posting), 2);
  }
  start();
  auto got = ranked(record_kind::candidate, "c1");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, "p1");
  stop();
  auto db = storage::open(settings_.storage.db);
  EXPECT_EQ(storage::count_forms(*db, record_kind::posting), 1);
}

TEST_F(marketplace_test, good_lines_are_taken_and_bad_ones_named) {
  start();
  auto reply = ingest(record_kind::posting, R"({"id":"p1","company":"A","title":"t"}
{"id":"p2","company":"","title":"t"}
not json
{"id":"p3","company":"C","title":"t","salary_min":9,"salary_max":5}
{"id":"p4","company":"D","title":"t","lat":48.85,"lon":2.35}
)");
  EXPECT_EQ(reply.accepted, 2);
  ASSERT_EQ(reply.rejected.size(), 3u);
  EXPECT_EQ(reply.rejected[0].line, 2u);
  EXPECT_EQ(reply.rejected[0].field, "company");
  EXPECT_EQ(reply.rejected[1].line, 3u);
  EXPECT_EQ(reply.rejected[2].line, 4u);
  EXPECT_EQ(reply.rejected[2].field, "salary_min");
  ingest(record_kind::candidate, R"({"id":"c1","lat":48.86,"lon":2.35,"max_distance_km":10})");
  auto near = matches(record_kind::candidate, "c1", {"proximity"});
  ASSERT_TRUE(near);
  ASSERT_EQ(near->results.size(), 2u);
  EXPECT_EQ(near->results[0].result.id, "p4");
  ASSERT_TRUE(near->results[0].distance_km);
  EXPECT_NEAR(*near->results[0].distance_km, 1.11, 0.01);
}

TEST_F(marketplace_test, unknown_sources_and_bad_options_are_errors) {
  start();
  ingest(record_kind::candidate, R"({"id":"c1"})");
  auto missing = matches(record_kind::candidate, "nobody");
  ASSERT_FALSE(missing);
  EXPECT_EQ(actors::code_of(missing.error()), actors::errc::not_found);
  actors::match_options bad;
  bad.profile = "nearest";
  auto unknown = matches(record_kind::candidate, "c1", bad);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(actors::code_of(unknown.error()), actors::errc::invalid_argument);
  EXPECT_THAT(actors::message_of(unknown.error()), HasSubstr("profile: unknown profile 'nearest'"));
}

namespace {

// Lines of `ndjson` [from, to), with ids renamed by `rename` (or kept).
std::string lines_of(const std::string& ndjson, std::size_t from, std::size_t to, const std::string& rename = "") {
  std::istringstream in{ndjson};
  std::string line, out;
  for (std::size_t i = 0; std::getline(in, line); ++i) {
    if (i < from || i >= to)
      continue;
    if (!rename.empty())
      line.replace(line.find("\"id\":\"") + 6, rename.size(), rename);
    out += line + "\n";
  }
  return out;
}

template <class Record>
void upsert_into(std::vector<Record>& all, std::vector<Record> changed) {
  for (auto& r : changed) {
    auto it = std::find_if(all.begin(), all.end(), [&](const Record& x) { return x.id == r.id; });
    if (it != all.end())
      *it = std::move(r);
    else
      all.push_back(std::move(r));
  }
}

template <class Record>
void erase_from(std::vector<Record>& all, const std::vector<std::string>& ids) {
  std::erase_if(all, [&](const Record& r) { return std::find(ids.begin(), ids.end(), r.id) != ids.end(); });
}

}  // namespace

// Writes after a shard built its index are followed without building it again (the old
// versions retired, the written records indexed apart): updates, new records and deletes of
// both kinds, then queries equal the batch kernel over the data as it is now; and again after
// a deleted record returns and after more writes than a shard follows apart.
TEST_F(marketplace_test, writes_after_the_index_was_built_are_seen_like_a_fresh_build) {
  auto data = generate_data(600, 300, 31);
  auto other = generate_data(600, 300, 32);  // the same ids, other contents
  std::vector<std::string> deleted_postings{"p0000007", "p0000100", "p0000550", "p0000045"};
  std::vector<std::string> deleted_candidates{"c0000003", "c0000201"};
  auto new_postings = lines_of(other.postings, 0, 60) + lines_of(other.postings, 60, 80, "q");
  auto new_candidates = lines_of(other.candidates, 0, 30) + lines_of(other.candidates, 30, 40, "d");
  match::normaliser words;
  auto postings = match::read_postings(data.postings).records;
  auto candidates = match::read_candidates(data.candidates).records;
  upsert_into(postings, match::read_postings(new_postings).records);
  upsert_into(candidates, match::read_candidates(new_candidates).records);
  erase_from(postings, deleted_postings);
  erase_from(candidates, deleted_candidates);
  match::batch_matcher batch{match::prepare_all(postings, words), match::prepare_all(candidates, words)};
  // Then a deleted posting comes back with other contents, and 2,500 more postings come: more
  // than one shard follows apart (2,048), so with S = 1 it builds its whole index again, while
  // with S = 2 each shard still follows its ~1,250 apart.
  auto returning = lines_of(other.postings, 6, 7);  // p0000007
  auto many = generate_data(2'500, 1, 33).postings;
  auto renamed_many = lines_of(many, 0, 2'500, "r");
  upsert_into(postings, match::read_postings(returning).records);
  upsert_into(postings, match::read_postings(renamed_many).records);
  match::batch_matcher batch_after{match::prepare_all(postings, words), match::prepare_all(candidates, words)};
  for (std::int64_t shards : {1, 2}) {
    SCOPED_TRACE("shards " + std::to_string(shards));
    std::filesystem::remove_all(dir_);
    settings_.matching.shards = shards;
    settings_.activity.tracking = "off";
    start();
    ingest(record_kind::posting, data.postings);
    ingest(record_kind::candidate, data.candidates);
    // Every shard builds its index for these queries, before the writes below.
    ASSERT_FALSE(ranked(record_kind::candidate, "c0000001").empty());
    ASSERT_FALSE(ranked(record_kind::posting, "p0000001").empty());
    EXPECT_EQ(ingest(record_kind::posting, new_postings).accepted, 80);
    EXPECT_EQ(ingest(record_kind::candidate, new_candidates).accepted, 40);
    for (const auto& id : deleted_postings)
      ASSERT_TRUE(remove(record_kind::posting, id));
    for (const auto& id : deleted_candidates)
      ASSERT_TRUE(remove(record_kind::candidate, id));
    expect_batch_lists(batch, 5);
    auto gone = matches(record_kind::candidate, "c0000003");
    ASSERT_FALSE(gone);
    EXPECT_EQ(actors::code_of(gone.error()), actors::errc::not_found);
    EXPECT_EQ(ingest(record_kind::posting, returning).accepted, 1);
    EXPECT_EQ(ingest(record_kind::posting, renamed_many).accepted, 2'500);
    expect_batch_lists(batch_after, 5);
    stop();
  }
}
