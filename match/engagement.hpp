#pragma once
/// How active a candidate is, from what they did (issue 10; SPEC-matching.md's `activity`
/// factor reads the result as C.engagement), and the game on top of it: points, levels, badges.
/// Pure functions of the events and a clock, so they are tested on hand-computed values.
///
/// Engagement. Each event counts its kind's weight, halved every `half_life_days` of age:
///   A = sum over events of weight(kind, value) * 2^(-age_days / half_life_days)
///   engagement = 1 - exp(-A / saturation)
/// so no activity is 0, activity grows it with diminishing returns, and it decays back to 0 when
/// the person stops. weight(session_end) is `session_end` per 10 minutes of session (`value`
/// seconds), at most 6 such units; reviews are about the candidate, not by them, and count 0.
///
/// Points: login 1, view 1, session_end 1 per 10 minutes (at most 6), apply 10, review received
/// 2 per star. Levels start at 1 and rise at 50, 150, 400, 1000 and 2500 points.
/// Badges: first_application (one apply), seven_day_streak (active on 7 consecutive UTC days),
/// top_rated (rating >= 4.5 over at least 5 reviews), explorer (20 distinct postings viewed),
/// regular (30 logins), prolific (25 applications).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::match {

enum class activity_kind : std::uint8_t { login, session_end, view, apply, review };

/// `login`, `session_end`, `view`, `apply`, `review`; false for anything else.
bool parse_activity_kind(std::string_view text, activity_kind& out);
std::string_view to_string(activity_kind k);

/// One thing a candidate did (or, for a review, had done to them).
struct activity_event {
  activity_kind kind = activity_kind::login;
  std::int64_t at_ms = 0;      ///< when, ms since the Unix epoch
  double value = 0;            ///< session_end: seconds; review: stars 1..5; else unused
  std::string posting_id;      ///< view, apply, review: the posting it is about
};

/// The weights and the decay (config `activity.*`).
struct engagement_rules {
  double login = 1;
  double session_end = 0.5;  ///< per 10 minutes of session, at most 6 units
  double view = 0.5;
  double apply = 3;
  double half_life_days = 14;
  double saturation = 10;  ///< A at which engagement is 1 - 1/e (0.63)
};

/// 0..1 at `now_ms`; events in the future count as now.
double engagement(const std::vector<activity_event>& events, const engagement_rules& rules, std::int64_t now_ms);

/// What the engine keeps of one candidate's activity between events (actors/activity_tracker):
/// enough to give engagement at any later time without the events, and the reviews.
/// A is held as of `as_of_ms`, the latest event's time, and decays from there:
///   A(now) = decayed_sum * 2^(-(now - as_of) / half_life)
/// which is `engagement(events, ...)`'s A whenever no event is later than `now`.
struct activity_totals {
  double decayed_sum = 0;
  std::int64_t as_of_ms = 0;
  std::int64_t reviews = 0;
  double stars = 0;                      ///< summed over the reviews
  std::vector<std::string> reviewed;     ///< postings with a review, sorted: completed work
};

/// Adds one event to `totals`.
void add_event(activity_totals& totals, const activity_event& e, const engagement_rules& rules);

/// 0..1 at `now_ms` (not earlier than `totals.as_of_ms`: then as of that).
double engagement_at(const activity_totals& totals, const engagement_rules& rules, std::int64_t now_ms);

/// What a candidate's activity does to their record's standing fields, as the shards take it.
struct activity_effect {
  std::string candidate_id;
  double engagement = 0;
  std::int64_t reviews = 0;
  double stars = 0;
  std::int64_t completed = 0;  ///< distinct postings reviewed: work completed for them
  std::int64_t as_of_ms = 0;   ///< when `engagement` was computed
};

/// Whether the effect changes nothing: a candidate without activity.
bool is_empty(const activity_effect& e);

activity_effect effect_of(const std::string& candidate_id, const activity_totals& totals,
                          const engagement_rules& rules, std::int64_t now_ms);

/// A candidate's standing fields (SPEC-matching.md "Records").
struct record_standing {
  double rating = 0;
  std::int64_t review_count = 0;
  std::int64_t completed_jobs = 0;
  double engagement = 0;
};

/// The fields as given with the activity applied: the reviews join the record's own (rating is
/// the average over both, review_count their sum), each posting reviewed adds one completed
/// job, and engagement is the computed one (the record's is ignored when tracking is on).
record_standing apply_activity(const record_standing& as_given, const activity_effect& effect);

/// What the game says of a candidate: `GET /api/v1/candidates/{id}/engagement` without the score.
struct standing {
  std::int64_t points = 0;
  std::int64_t level = 1;
  std::vector<std::string> badges;  ///< in the order of the list above
  // The counts behind them.
  std::int64_t logins = 0;
  std::int64_t views = 0;
  std::int64_t distinct_postings_viewed = 0;
  std::int64_t applications = 0;
  std::int64_t reviews = 0;
  double rating = 0;           ///< average stars of the reviews, 0 without any
  std::int64_t longest_streak_days = 0;
};

standing standing_of(const std::vector<activity_event>& events);

/// The level `points` reach.
std::int64_t level_of(std::int64_t points);

/// The points at which the next level starts; empty at the top level.
std::optional<std::int64_t> next_level_at(std::int64_t points);

}  // namespace jobmesh::match
