#include "actors/match_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <fmt/format.h>

namespace jobmesh::actors {

namespace {

std::string json_strings(const std::vector<std::string>& words) {
  std::string out = "[";
  for (const auto& w : words) {
    if (out.size() > 1)
      out += ',';
    out += json_string(w);
  }
  out += ']';
  return out;
}

}  // namespace

std::string json_string(std::string_view s) {
  return boost::json::serialize(boost::json::string_view{s.data(), s.size()});
}

// Ids are [A-Za-z0-9_.:-] (SPEC-matching.md): they need no escaping.
std::string explained_match_json(const explained_match& m, const std::vector<match::factor>& factors) {
  std::string out = fmt::format(R"({{"id":"{}","score":{},"factors":{{)", m.result.id, m.result.score);
  for (std::size_t k = 0; k < factors.size(); ++k)
    out += fmt::format(R"({}"{}":{})", k == 0 ? "" : ",", match::to_string(factors[k]),
                       m.result.factors[static_cast<std::size_t>(factors[k])]);
  out += fmt::format(R"(}},"explain":{{"matched_skills":{},"missing_skills":{})", json_strings(m.matched_skills),
                     json_strings(m.missing_skills));
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
