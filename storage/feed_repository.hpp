#pragma once
/// What the feed job types read and write (migration 0006): trending postings, candidates'
/// affinity to categories and companies, and each candidate's presorted feed.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace jobmesh::storage {

/// Views and applications of one posting in a window.
struct posting_trend {
  std::string posting_id;
  std::int64_t views = 0;
  std::int64_t applications = 0;
  double score = 0;
};

/// One `trending-postings` write: rows of other runs are removed, these upserted.
struct trending_write {
  std::string job_id;
  std::int64_t window_start = 0;
  std::int64_t computed_at = 0;
  std::vector<posting_trend> postings;
};

/// One candidate's share of engagement with one category or company.
struct affinity_row {
  std::string dimension;  ///< "category" or "company"
  std::string value;
  double weight = 0;
};

/// One candidate's affinity, replacing what was stored for them.
struct affinity_write {
  std::string candidate_id;
  std::string job_id;
  std::int64_t computed_at = 0;
  std::vector<affinity_row> rows;
};

/// One candidate's feed (upserted by candidate).
struct stored_feed {
  std::string candidate_id;
  std::string feed;  ///< JSON array
  std::string profile;
  std::string job_id;
  std::int64_t computed_at = 0;
};

/// Views and applications per posting with `at >= since_ms`, most active first.
std::vector<posting_trend> activity_by_posting(soci::session& db, std::int64_t since_ms);

/// Candidates with at least one view or application, by id.
std::vector<std::string> candidates_with_interest(soci::session& db);

/// The stored trending postings (the latest run's), best first.
std::vector<posting_trend> trending_postings(soci::session& db);

/// The stored affinity of `candidate_id`.
std::vector<affinity_row> affinity_of(soci::session& db, const std::string& candidate_id);

std::optional<stored_feed> find_feed(soci::session& db, const std::string& candidate_id);

/// Writes inside the caller's transaction (storage::commit calls them).
void write_trending(soci::session& db, const std::vector<trending_write>& writes);
void write_affinity(soci::session& db, const std::vector<affinity_write>& writes);
void upsert_feeds(soci::session& db, const std::vector<stored_feed>& feeds);

}  // namespace jobmesh::storage
