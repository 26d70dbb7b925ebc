#pragma once
/// Stored activity (migration 0005): one row per event, in the order received.

#include <cstdint>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace jobmesh::storage {

struct activity_row {
  std::string candidate_id;
  std::string kind;        ///< login, session_end, view, apply, review
  std::string posting_id;  ///< empty when the kind has none
  std::int64_t at = 0;     ///< when it happened, ms since the Unix epoch
  double value = 0;        ///< session_end: seconds; review: stars
  std::int64_t received_at = 0;
  std::int64_t seq = 0;    ///< its place in the table once stored (read back only)
};

/// Inserts `rows` in the session's transaction (storage::commit calls it).
void insert_activity(soci::session& db, const std::vector<activity_row>& rows);

/// Stored events after `after_seq`, in the order stored, at most `limit` (a start's load).
std::vector<activity_row> activity_after(soci::session& db, std::int64_t after_seq, int limit);

/// A candidate's events, oldest first, at most `limit`.
std::vector<activity_row> activity_of(soci::session& db, const std::string& candidate_id, int limit);

/// Every stored event of each of `candidate_ids`, grouped by candidate in the order given, each
/// candidate's in the order stored (stats-reconcile's recount).
std::vector<activity_row> activity_of(soci::session& db, const std::vector<std::string>& candidate_ids);

/// The candidates with stored events, sorted.
std::vector<std::string> candidates_with_activity(soci::session& db);

}  // namespace jobmesh::storage
