#include "match/engagement.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace jobmesh::match {

namespace {

constexpr double k_ms_per_day = 86'400'000.0;
constexpr double k_session_unit_s = 600;  // 10 minutes
constexpr double k_max_session_units = 6;
constexpr std::array<std::int64_t, 5> k_level_thresholds{50, 150, 400, 1000, 2500};

double session_units(double seconds) {
  return std::clamp(std::floor(seconds / k_session_unit_s), 0.0, k_max_session_units);
}

double weight(const activity_event& e, const engagement_rules& r) {
  switch (e.kind) {
    case activity_kind::login: return r.login;
    case activity_kind::session_end: return r.session_end * session_units(e.value);
    case activity_kind::view: return r.view;
    case activity_kind::apply: return r.apply;
    case activity_kind::review: return 0;
  }
  return 0;
}

std::int64_t points_of(const activity_event& e) {
  switch (e.kind) {
    case activity_kind::login:
    case activity_kind::view: return 1;
    case activity_kind::session_end: return static_cast<std::int64_t>(session_units(e.value));
    case activity_kind::apply: return 10;
    case activity_kind::review: return 2 * static_cast<std::int64_t>(std::clamp(std::round(e.value), 0.0, 5.0));
  }
  return 0;
}

// Longest run of consecutive UTC days with an action of the candidate's own (not a review).
std::int64_t longest_streak(const std::vector<activity_event>& events) {
  std::set<std::int64_t> days;
  for (const auto& e : events)
    if (e.kind != activity_kind::review)
      days.insert(static_cast<std::int64_t>(std::floor(static_cast<double>(e.at_ms) / k_ms_per_day)));
  std::int64_t longest = 0, run = 0, previous = 0;
  for (auto day : days) {
    run = run > 0 && day == previous + 1 ? run + 1 : 1;
    longest = std::max(longest, run);
    previous = day;
  }
  return longest;
}

}  // namespace

bool parse_activity_kind(std::string_view text, activity_kind& out) {
  static constexpr std::array<std::pair<std::string_view, activity_kind>, 5> names{{
      {"login", activity_kind::login},
      {"session_end", activity_kind::session_end},
      {"view", activity_kind::view},
      {"apply", activity_kind::apply},
      {"review", activity_kind::review},
  }};
  for (const auto& [name, kind] : names)
    if (name == text) {
      out = kind;
      return true;
    }
  return false;
}

std::string_view to_string(activity_kind k) {
  switch (k) {
    case activity_kind::login: return "login";
    case activity_kind::session_end: return "session_end";
    case activity_kind::view: return "view";
    case activity_kind::apply: return "apply";
    case activity_kind::review: return "review";
  }
  return "login";
}

double engagement(const std::vector<activity_event>& events, const engagement_rules& rules, std::int64_t now_ms) {
  double a = 0;
  for (const auto& e : events) {
    auto age_days = std::max(0.0, static_cast<double>(now_ms - e.at_ms) / k_ms_per_day);
    a += weight(e, rules) * std::exp2(-age_days / rules.half_life_days);
  }
  return 1 - std::exp(-a / rules.saturation);
}

std::int64_t level_of(std::int64_t points) {
  std::int64_t level = 1;
  for (auto threshold : k_level_thresholds)
    if (points >= threshold)
      ++level;
  return level;
}

std::optional<std::int64_t> next_level_at(std::int64_t points) {
  for (auto threshold : k_level_thresholds)
    if (points < threshold)
      return threshold;
  return std::nullopt;
}

standing standing_of(const std::vector<activity_event>& events) {
  standing s;
  std::set<std::string> viewed;
  double stars = 0;
  for (const auto& e : events) {
    s.points += points_of(e);
    switch (e.kind) {
      case activity_kind::login: ++s.logins; break;
      case activity_kind::view:
        ++s.views;
        if (!e.posting_id.empty())
          viewed.insert(e.posting_id);
        break;
      case activity_kind::apply: ++s.applications; break;
      case activity_kind::review:
        ++s.reviews;
        stars += e.value;
        break;
      case activity_kind::session_end: break;
    }
  }
  s.distinct_postings_viewed = static_cast<std::int64_t>(viewed.size());
  s.rating = s.reviews > 0 ? stars / static_cast<double>(s.reviews) : 0;
  s.longest_streak_days = longest_streak(events);
  s.level = level_of(s.points);
  if (s.applications >= 1)
    s.badges.push_back("first_application");
  if (s.longest_streak_days >= 7)
    s.badges.push_back("seven_day_streak");
  if (s.reviews >= 5 && s.rating >= 4.5)
    s.badges.push_back("top_rated");
  if (s.distinct_postings_viewed >= 20)
    s.badges.push_back("explorer");
  if (s.logins >= 30)
    s.badges.push_back("regular");
  if (s.applications >= 25)
    s.badges.push_back("prolific");
  return s;
}

void add_event(activity_totals& t, const activity_event& e, const engagement_rules& rules) {
  auto w = weight(e, rules);
  if (e.at_ms >= t.as_of_ms) {
    t.decayed_sum = t.decayed_sum * std::exp2(-static_cast<double>(e.at_ms - t.as_of_ms) / k_ms_per_day /
                                              rules.half_life_days) +
                    w;
    t.as_of_ms = e.at_ms;
  } else {
    t.decayed_sum += w * std::exp2(-static_cast<double>(t.as_of_ms - e.at_ms) / k_ms_per_day / rules.half_life_days);
  }
  if (e.kind == activity_kind::review) {
    ++t.reviews;
    t.stars += e.value;
    if (!e.posting_id.empty()) {
      auto at = std::lower_bound(t.reviewed.begin(), t.reviewed.end(), e.posting_id);
      if (at == t.reviewed.end() || *at != e.posting_id)
        t.reviewed.insert(at, e.posting_id);
    }
  }
}

double engagement_at(const activity_totals& t, const engagement_rules& rules, std::int64_t now_ms) {
  auto age_days = std::max(0.0, static_cast<double>(now_ms - t.as_of_ms) / k_ms_per_day);
  return 1 - std::exp(-t.decayed_sum * std::exp2(-age_days / rules.half_life_days) / rules.saturation);
}

activity_effect effect_of(const std::string& candidate_id, const activity_totals& t, const engagement_rules& rules,
                          std::int64_t now_ms) {
  return {candidate_id, engagement_at(t, rules, now_ms), t.reviews, t.stars,
          static_cast<std::int64_t>(t.reviewed.size()), now_ms};
}

bool is_empty(const activity_effect& e) {
  return e.engagement == 0 && e.reviews == 0 && e.stars == 0 && e.completed == 0;
}

record_standing apply_activity(const record_standing& given, const activity_effect& effect) {
  record_standing out;
  out.review_count = given.review_count + effect.reviews;
  out.rating = out.review_count > 0 ? (given.rating * static_cast<double>(given.review_count) + effect.stars) /
                                          static_cast<double>(out.review_count)
                                    : given.rating;
  out.completed_jobs = given.completed_jobs + effect.completed;
  out.engagement = effect.engagement;
  return out;
}

}  // namespace jobmesh::match
