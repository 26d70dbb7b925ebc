#pragma once
/// The activity tracker (DESIGN.md "actors"): takes what candidates do (`POST /api/v1/activity`),
/// stores it, keeps each candidate's activity totals (match/engagement.hpp) and, with
/// `activity.tracking` on, tells the matcher shards what the activity does to the candidate's
/// standing: engagement, and reviews and completed work added to rating, review_count and
/// completed_jobs. The `activity`, `rating` and `track_record` factors then read those.
///
/// (activity_atom, vector<activity_row>, vector<line>) -> ingest_reply
///     an event whose candidate or posting the marketplace does not hold is refused, named by
///     its line (the other vector, same order); the rest are committed in one write, then
///     reach the shards, then the reply goes: the query after it ranks with them
/// (get_atom, candidate_id)  -> engagement_report   errc::not_found for an unknown candidate
/// (reconcile_atom)          -> vector<string>   the candidates stats-reconcile looks at: those
///                           with stored events and those it holds totals for, sorted
/// (reconcile_atom, vector<candidate_id>, repair) -> reconcile_report
///     recounts each candidate's totals from every stored event and compares them with its own
///     and with the effect the shards rank with; with `repair`, the recount replaces its totals
///     and the shards get the effect again. The events are read through the storage writer,
///     after the writes it was given before, so a recount and the totals cover the same events
///     while activity keeps coming (see storage_actors.hpp)
/// (tick_atom)               internal: every `activity.refresh_s` the engagement of every
///                           candidate with activity, decayed to now, reaches the shards
///
/// At start it reads every stored event, a chunk at a time, before it answers anything; then
/// the shards get every candidate's effect, and the marketplace, which answers no query until
/// then, is told `(activity_atom, ok_atom)`. So the shards' standing lags the stored events by
/// nothing after an acknowledged POST, and decay reaches them within `activity.refresh_s`.

#include "actors/marketplace.hpp"
#include "actors/record_reader.hpp"
#include "actors/storage_actors.hpp"
#include "config/settings.hpp"

namespace jobmesh::actors {

/// `GET /api/v1/candidates/{id}/engagement`.
struct engagement_report {
  std::string candidate_id;
  double engagement = 0;             ///< now, from every event (the batch formula)
  match::standing standing;          ///< points, level, badges and the counts behind them
  match::record_standing record;     ///< rating, review_count, completed_jobs as the shards rank with
  std::int64_t events = 0;           ///< how many events the report read
  std::int64_t computed_at_ms = 0;
};

/// One difference between a recount of a candidate's stored events and what is held.
struct stat_drift {
  std::string candidate_id;
  std::string where;  ///< "tracker" (its totals) or "shards" (the effect they rank with)
  std::string field;  ///< engagement, reviews, stars or completed
  double held = 0;
  double recounted = 0;
};

/// What a recount of some candidates found, and whether it was put right.
struct reconcile_report {
  std::int64_t checked = 0;
  std::int64_t events = 0;           ///< stored events recounted
  std::vector<std::string> drifted;  ///< candidates with any drift, in the order checked
  std::vector<stat_drift> drift;
  bool shards_checked = false;       ///< activity.tracking on: the shards hold effects
  bool repaired = false;
};

/// The drift between `held` totals (nullptr: none held) and `recount`, where = "tracker", at
/// `now_ms`; then, when `shard` is given, between the effect a shard holds (empty: none) and
/// the recount's effect as of the time the shard's was computed, where = "shards".
/// Engagement and stars may differ by 1e-9 (sums in another order).
std::vector<stat_drift> drift_of(const std::string& candidate_id, const match::activity_totals* held,
                                 const match::activity_totals& recount, const match::engagement_rules& rules,
                                 std::int64_t now_ms);
std::vector<stat_drift> drift_of(const std::string& candidate_id, const std::optional<match::activity_effect>& shard,
                                 const match::activity_totals& recount, const match::engagement_rules& rules,
                                 std::int64_t now_ms);

using activity_tracker_actor = caf::typed_actor<
    caf::replies_to<activity_atom, std::vector<storage::activity_row>, std::vector<std::int64_t>>::with<ingest_reply>,
    caf::replies_to<caf::get_atom, std::string>::with<engagement_report>,
    caf::replies_to<reconcile_atom>::with<std::vector<std::string>>,
    caf::replies_to<reconcile_atom, std::vector<std::string>, bool>::with<reconcile_report>, caf::reacts_to<tick_atom>>;

/// The engagement weights and decay of `activity.*`.
match::engagement_rules engagement_rules_of(const config::activity_settings& s);

/// At most this many of a candidate's events (the oldest) go into one engagement report.
inline constexpr std::int64_t k_report_events = 100'000;

activity_tracker_actor spawn_activity_tracker(caf::actor_system& sys, const config::activity_settings& settings,
                                              marketplace_actor marketplace, storage_writer_actor writer,
                                              record_reader_actor records);

}  // namespace jobmesh::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::engagement_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::reconcile_report)
