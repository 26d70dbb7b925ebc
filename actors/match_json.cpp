#include "actors/match_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <fmt/format.h>

namespace jobmesh::actors {

namespace {

// Appends `word` to a JSON array being written ("[" so far when it is the first).
void append_word(std::string& array, std::string_view word) {
  if (array.size() > 1)
    array += ',';
  array += json_string(word);
}

}  // namespace

// Both are sorted sets (normaliser::term_set): one pass over each.
void explained_match::each_skill(const std::function<void(std::string_view, bool)>& f) const {
  auto theirs = candidate->skills.begin();
  const auto end = candidate->skills.end();
  for (auto skill : posting->skills) {
    while (theirs != end && *theirs < skill)
      ++theirs;
    f(skill, theirs != end && *theirs == skill);
  }
}

std::vector<std::string_view> explained_match::skills(bool matched) const {
  std::vector<std::string_view> out;
  each_skill([&](std::string_view skill, bool has) {
    if (has == matched)
      out.push_back(skill);
  });
  return out;
}

std::string json_string(std::string_view s) {
  return boost::json::serialize(boost::json::string_view{s.data(), s.size()});
}

// Ids are [A-Za-z0-9_.:-] (SPEC-matching.md): they need no escaping.
std::string explained_match_json(const explained_match& m, const std::vector<match::factor>& factors) {
  std::string out = fmt::format(R"({{"id":"{}","score":{},"factors":{{)", m.result.id, m.result.score);
  for (std::size_t k = 0; k < factors.size(); ++k)
    out += fmt::format(R"({}"{}":{})", k == 0 ? "" : ",", match::to_string(factors[k]),
                       m.result.factors[static_cast<std::size_t>(factors[k])]);
  std::string matched = "[", missing = "[";
  m.each_skill([&](std::string_view skill, bool has) { append_word(has ? matched : missing, skill); });
  out += fmt::format(R"(}},"explain":{{"matched_skills":{}],"missing_skills":{}])", matched, missing);
  if (m.distance_km)
    out += fmt::format(R"(,"distance_km":{})", *m.distance_km);
  return out + "}}";
}

std::string match_reply_json(const match_reply& reply) {
  std::string out = fmt::format(R"({{"source":"{}","profile":{},"results":[)", reply.source, json_string(reply.profile));
  for (std::size_t i = 0; i < reply.results.size(); ++i) {
    if (i > 0)
      out += ',';
    out += explained_match_json(reply.results[i], reply.factors);
  }
  return out + "]}";
}

}  // namespace jobmesh::actors
