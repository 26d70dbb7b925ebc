#pragma once
/// The marketplace's job types (DESIGN.md "Job types shipped"): they run on the matcher shards
/// that already hold the records, never reloading data.
///
/// - `match-scores` (matching): top-k postings for all candidates or `candidate_ids`, stored in
///   `match_results` per candidate and profile; an item is a candidate.
/// - `compatibility` (matching): all ten factors (the score weighs the profile's), matched and
///   missing skills and the distance for
///   given (candidate, posting) `pairs`, or for a candidate's stored matches; an item is a pair
///   `candidate_id/posting_id` (`/` is not allowed in ids).
/// - `bulk-analysis` (ingest): one posting scored against `candidate_ids` (or all candidates);
///   an item is a candidate; the result is ranked by score.
/// - `import-postings` (ingest): fetches `urls` (each answers one posting as JSON, or NDJSON)
///   and ingests them; or, given `candidate_id`, fetches the `url` field of the postings it
///   matches with at least `min_score` (the best posting per company) and stores each page on
///   its posting as `detail`; `parallel_workers` fetches at a time. A failed fetch fails only
///   its item (default `max_failed_ratio` 1).
///
/// Handlers run on worker threads and ask the actors with a blocking scoped actor.

#include "actors/job_type.hpp"
#include "actors/marketplace.hpp"
#include "actors/record_reader.hpp"
#include "actors/storage_actors.hpp"
#include "config/settings.hpp"

#include <functional>

namespace jobmesh::actors {

/// One fetched page, as `import-postings` needs it.
struct fetched_page {
  bool ok = false;     ///< a 2xx answer within the limits
  int status = 0;      ///< the last HTTP status; 0 when none came
  std::string body;
  std::string content_type;
  std::string final_url;
  std::string error;   ///< for people, when !ok: the status, the timeout, the limit broken
  /// When !ok: asking again would fail the same way (see net::fetch_result::permanent).
  bool permanent = false;
};

/// Fetches one URL with GET, following at most 3 redirects, within `imports`' limits, sending
/// `accept` as the Accept header. Blocking.
using page_fetcher =
    std::function<fetched_page(const std::string& url, const std::string& accept, const config::imports_settings& imports)>;

/// What `import-postings` accepts from `urls`: records (JSON, NDJSON) before anything else.
inline constexpr const char* k_accept_records = "application/x-ndjson, application/json;q=0.9, */*;q=0.5";
/// What it accepts from a posting's `url`: the page a browser would get.
inline constexpr const char* k_accept_pages = "text/html, application/xhtml+xml;q=0.9, */*;q=0.8";

/// What the marketplace's job types work with.
struct matching_job_context {
  caf::actor_system* system = nullptr;
  marketplace_actor marketplace;
  storage_writer_actor writer;
  record_reader_actor records;
  config::matching_settings matching;  ///< the profiles a job may name
  config::imports_settings imports;
  std::int64_t max_items = 1'000'000;
  page_fetcher fetch;  ///< empty: `import-postings` is not registered
};

/// Registers `match-scores`, `compatibility`, `bulk-analysis` and (with a fetcher) `import-postings`.
void add_matching_job_types(job_type_registry& registry, matching_job_context ctx);

}  // namespace jobmesh::actors
