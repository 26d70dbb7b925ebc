#pragma once
/// Matches as JSON text, written with fmt so numbers read as plain decimals (Boost.JSON would
/// write 53 as 5.3E1). Shared by the live query routes and the matching job types' results.

#include "actors/match_messages.hpp"

#include <string>
#include <string_view>

namespace jobmesh::actors {

/// A JSON string literal of `s`, escaped.
std::string json_string(std::string_view s);

/// `{"id","score","factors":{...},"explain":{"matched_skills","missing_skills","distance_km"?}}`
/// with the given factors, in their order.
std::string explained_match_json(const explained_match& m, const std::vector<match::factor>& factors);

/// `{"source","profile","results":[...]}` (API.md "Data", the matches of a record).
std::string match_reply_json(const match_reply& reply);

}  // namespace jobmesh::actors
