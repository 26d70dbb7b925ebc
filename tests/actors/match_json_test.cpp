// A live match as JSON text (API.md "Data", the matches of a record): the exact bytes of a
// result, and the skills in common found the same way for a candidate of few skills (by word
// number) and of many (the sorted walk).
#include "actors/match_json.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

namespace jobmesh::actors {
namespace {

explained_match make_match(std::vector<std::string> posting_skills, std::vector<std::string> candidate_skills) {
  auto p = std::make_shared<match::prepared_posting>();
  p->id = "p1";
  p->skills = match::sorted_terms{posting_skills};
  auto c = std::make_shared<match::prepared_candidate>();
  c->id = "c1";
  c->skills = match::sorted_terms{candidate_skills};
  explained_match m;
  m.result.id = "p1";
  m.result.score = 87.5;
  m.result.factors[static_cast<std::size_t>(match::factor::skills)] = 0.5;
  m.result.factors[static_cast<std::size_t>(match::factor::salary)] = 1;
  m.posting = std::move(p);
  m.candidate = std::move(c);
  return m;
}

TEST(MatchJson, WritesAResultExactly) {
  auto m = make_match({"sql", "go", "say \"hi\""}, {"go", "rust"});
  m.distance_km = 12.25;
  EXPECT_EQ(explained_match_json(m, {match::factor::skills, match::factor::salary}),
            R"({"id":"p1","score":87.5,"factors":{"skills":0.5,"salary":1},)"
            R"("explain":{"matched_skills":["go"],"missing_skills":["say \"hi\"","sql"],"distance_km":12.25}})");
}

TEST(MatchJson, WritesAReplyThatParses) {
  match_reply reply{"c1", "fit", {match::factor::skills}, {make_match({"a"}, {"a"}), make_match({"b"}, {})}};
  reply.results[1].result.id = "p2";
  auto text = match_reply_json(reply);
  auto v = boost::json::parse(text);
  EXPECT_EQ(v.at("source"), "c1");
  EXPECT_EQ(v.at("profile"), "fit");
  ASSERT_EQ(v.at("results").as_array().size(), 2u);
  EXPECT_EQ(v.at("results").at(1).at("id"), "p2");
  EXPECT_EQ(v.at("results").at(0).at("explain").at("matched_skills").as_array().size(), 1u);
  EXPECT_EQ(v.at("results").at(1).at("explain").at("missing_skills").at(0), "b");
  EXPECT_FALSE(v.at("results").at(0).at("explain").as_object().contains("distance_km"));
}

// Beyond explained_match::k_skills_scanned skills the candidate's list is walked in text order
// beside the posting's: the same answer as the scan by number.
TEST(MatchJson, SkillsInCommonAgreeForFewAndManyCandidateSkills) {
  std::vector<std::string> posting;
  for (int i = 0; i < 40; i += 3)
    posting.push_back(fmt::format("skill{:02}", i));
  for (std::size_t n : {std::size_t{5}, explained_match::k_skills_scanned, explained_match::k_skills_scanned + 9}) {
    std::vector<std::string> candidate;
    for (std::size_t i = 0; i < n; ++i)
      candidate.push_back(fmt::format("skill{:02}", 2 * i));
    auto m = make_match(posting, candidate);
    std::vector<std::string_view> expected_matched, expected_missing;
    for (const auto& s : m.posting->skills) {
      bool has = std::find(candidate.begin(), candidate.end(), std::string{s}) != candidate.end();
      (has ? expected_matched : expected_missing).push_back(s);
    }
    EXPECT_EQ(m.matched_skills(), expected_matched) << n << " candidate skills";
    EXPECT_EQ(m.missing_skills(), expected_missing) << n << " candidate skills";
    EXPECT_FALSE(expected_matched.empty());
    EXPECT_FALSE(expected_missing.empty());
  }
}

}  // namespace
}  // namespace jobmesh::actors
