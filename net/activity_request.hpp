#pragma once
/// `POST /api/v1/activity` bodies (API.md "Data"): one event as JSON, or many as NDJSON;
/// `{"candidate_id", "kind", "posting_id"?, "at"?, "value"?}`. Each line is checked alone:
/// good ones are taken, bad ones named by line, field and rule, as for records.

#include "net/job_request.hpp"
#include "storage/activity_repository.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace jobmesh::net {

/// At most this many events in one request.
inline constexpr std::size_t k_max_activity_events = 10'000;

struct activity_lines {
  std::vector<storage::activity_row> events;
  std::vector<std::int64_t> lines;  ///< the line of each event, same order
  std::vector<line_error> rejected;
};

/// Reads `body` (NDJSON when `ndjson`; else one JSON object, line 1). `now_ms` stamps
/// `received_at` and is `at` when absent; an `at` later than a minute past `now_ms` is refused.
/// A whole-body problem (empty, more than k_max_activity_events lines) is a field_error.
std::variant<activity_lines, field_error> parse_activity(std::string_view body, bool ndjson, std::int64_t now_ms);

/// `2026-12-02T10:15:30Z` or with fractions of a second (`.123Z`): ms since the Unix epoch.
std::optional<std::int64_t> parse_utc_time(std::string_view text);

}  // namespace jobmesh::net
