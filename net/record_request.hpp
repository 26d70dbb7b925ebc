#pragma once
/// Reading API.md "Data" requests: the options of a live match query and the paging of record
/// lists, each rule checked with the offending option named.

#include "actors/match_messages.hpp"
#include "net/job_request.hpp"

#include <map>
#include <string>
#include <variant>

namespace jobmesh::net {

/// `GET /api/v1/candidates/{id}/matches?profile=&top_k=&min_score=&top_per_company=&country=&
/// work_mode=&employment_type=&category=` (`for_candidate`), or the posting side, which takes
/// `profile`, `top_k` and `min_score` only. An option the endpoint does not know is an error.
std::variant<actors::match_options, field_error> parse_match_options(const std::map<std::string, std::string>& query,
                                                                    bool for_candidate);

/// One page of a record list: `?after=<id>&limit=<1..1000>` (default 100).
struct record_page {
  std::string after;
  std::int64_t limit = 100;
};

std::variant<record_page, field_error> parse_record_page(const std::map<std::string, std::string>& query);

/// A record body as NDJSON: itself for `application/x-ndjson`, else one JSON record made one
/// line (match::one_line: the whitespace between its tokens taken out).
std::string as_ndjson(std::string body, bool is_ndjson);

}  // namespace jobmesh::net
