#pragma once
/// The feed group's job types (DESIGN.md "Job types shipped"): what a candidate's feed of
/// postings is made of, computed from stored activity, stored match scores and the postings the
/// matcher shards hold.
///
/// - `trending-postings`: views and applications per posting over the last `window_hours`;
///   score = views + 3 * applications; stored (the latest run replaces the last); an item is a
///   posting with activity in the window, results ranked by score.
/// - `affinity`: for each candidate who viewed or applied (or `candidate_ids`), the share of
///   their interest per category and per company of the postings concerned (a view counts 1,
///   an application 3; the shares of each dimension sum to 1); stored per candidate; an item is
///   a candidate.
/// - `feed-presort`: for each candidate (or `candidate_ids`), the postings of their stored
///   `match-scores` results under `profile`, ranked by
///     feed score = 0.6 * match score / 100 + 0.25 * affinity + 0.15 * trending
///   where affinity is the mean of the candidate's share for the posting's category and for its
///   company, and trending the posting's trending score over the best one's; the first `size`
///   are stored as the candidate's feed (`GET /api/v1/candidates/{id}/feed`). A candidate with no
///   stored matches is skipped, saying so. Depends on `match-scores`, `trending-postings` and
///   `affinity`, so enqueueing the feed group runs the matching group first.

#include "actors/job_type.hpp"
#include "actors/marketplace.hpp"
#include "actors/record_reader.hpp"
#include "actors/storage_actors.hpp"
#include "config/settings.hpp"

namespace jobmesh::actors {

struct feed_job_context {
  caf::actor_system* system = nullptr;
  marketplace_actor marketplace;
  storage_writer_actor writer;
  record_reader_actor records;
  config::matching_settings matching;  ///< the profiles a job may name
  std::int64_t max_items = 1'000'000;
};

/// The weights of a feed score (see above).
struct feed_weights {
  double match = 0.6;
  double affinity = 0.25;
  double trending = 0.15;
};

/// Registers `trending-postings`, `affinity` and `feed-presort`.
void add_feed_job_types(job_type_registry& registry, feed_job_context ctx);

}  // namespace jobmesh::actors
