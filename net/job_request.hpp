#pragma once
/// Reading API.md's request bodies and query strings for jobs, with every rule checked and the
/// offending field named.

#include "actors/messages.hpp"

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace jobmesh::net {

/// A rule a request broke: which field, and what is wrong, for people.
struct field_error {
  std::string field;
  std::string message;
};

/// The submission in `body` (the JSON of `POST /api/v1/jobs`), or the first rule it breaks.
/// `user_id` is not read from the body: the caller sets it from the request's identity.
std::variant<actors::job_spec, field_error> parse_job_spec(std::string_view body);

/// At most this many jobs in one NDJSON submission.
inline constexpr std::size_t k_max_bulk_jobs = 10'000;

/// One line's problem in an NDJSON body (lines count from 1).
struct line_error {
  std::int64_t line = 0;
  std::string field;
  std::string message;
};

/// The submissions of an NDJSON body, one per non-blank line: those that parse, with their line
/// numbers, and the rejected lines.
struct spec_lines {
  std::vector<actors::job_spec> specs;
  std::vector<std::int64_t> lines;  ///< lines[i] is the line of specs[i]
  std::vector<line_error> rejected;
};

/// Reads `POST /api/v1/jobs` with `Content-Type: application/x-ndjson`; a whole-body problem
/// (no job at all, more than k_max_bulk_jobs) is an error.
std::variant<spec_lines, field_error> parse_job_specs(std::string_view ndjson);

/// The filter of `GET /api/v1/jobs?status=&type=&user=&limit=&after=`.
std::variant<storage::job_filter, field_error> parse_job_filter(const std::map<std::string, std::string>& query);

/// The filter of `GET /api/v1/jobs/{id}/items?status=&limit=&after=`.
std::variant<storage::item_filter, field_error> parse_item_filter(const std::string& job_id,
                                                                  const std::map<std::string, std::string>& query);

}  // namespace jobmesh::net
