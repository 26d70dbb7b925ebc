#pragma once
/// Reading API.md's request bodies and query strings for jobs, with every rule checked and the
/// offending field named.

#include "actors/messages.hpp"

#include <map>
#include <string>
#include <string_view>
#include <variant>

namespace jobmesh::net {

/// A rule a request broke: which field, and what is wrong, for people.
struct field_error {
  std::string field;
  std::string message;
};

/// The submission in `body` (the JSON of `POST /api/v1/jobs`), or the first rule it breaks.
/// `user_id` is not read from the body: the caller sets it from the request's identity.
std::variant<actors::job_spec, field_error> parse_job_spec(std::string_view body);

/// The filter of `GET /api/v1/jobs?status=&type=&user=&limit=&after=`.
std::variant<storage::job_filter, field_error> parse_job_filter(const std::map<std::string, std::string>& query);

/// The filter of `GET /api/v1/jobs/{id}/items?status=&limit=&after=`.
std::variant<storage::item_filter, field_error> parse_item_filter(const std::string& job_id,
                                                                  const std::map<std::string, std::string>& query);

}  // namespace jobmesh::net
