#include "actors/match_json.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <fmt/format.h>

namespace jobmesh::actors {

namespace {

// The posting's required skills the candidate has (or lacks), as a JSON array.
std::string json_skills(const explained_match& m, bool matched) {
  std::string out = "[";
  for (auto skill : m.skills(matched)) {
    if (out.size() > 1)
      out += ',';
    out += json_string(skill);
  }
  out += ']';
  return out;
}

}  // namespace

// Both are sorted sets (normaliser::term_set).
std::vector<std::string_view> explained_match::skills(bool matched) const {
  std::vector<std::string_view> out;
  for (auto skill : posting->skills)
    if (std::binary_search(candidate->skills.begin(), candidate->skills.end(), skill) == matched)
      out.push_back(skill);
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
  out += fmt::format(R"(}},"explain":{{"matched_skills":{},"missing_skills":{})", json_skills(m, true),
                     json_skills(m, false));
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
