// Engagement, points, levels and badges (match/engagement.hpp) against values worked out by
// hand, on a clock the test sets.
#include "match/engagement.hpp"

#include <gmock/gmock.h>

using namespace jobmesh::match;

namespace {

constexpr std::int64_t k_day = 86'400'000;
constexpr std::int64_t k_now = 1'900'000'000'000;  // a fixed "now", ms

activity_event event(activity_kind kind, std::int64_t at_ms, double value = 0, std::string posting = {}) {
  return {kind, at_ms, value, std::move(posting)};
}

}  // namespace

TEST(engagement, nothing_done_is_zero_and_one_application_now_is_worked_out) {
  engagement_rules rules;
  EXPECT_EQ(engagement({}, rules, k_now), 0.0);
  // A = 3 (apply's weight), engagement = 1 - e^(-3/10).
  EXPECT_NEAR(engagement({event(activity_kind::apply, k_now)}, rules, k_now), 0.2591817793182821, 1e-12);
  // Fourteen days old: half the weight, 1 - e^(-1.5/10).
  EXPECT_NEAR(engagement({event(activity_kind::apply, k_now - 14 * k_day)}, rules, k_now), 0.1392920235749422, 1e-12);
}

TEST(engagement, sessions_count_per_ten_minutes_and_old_logins_fade) {
  engagement_rules rules;
  // A session of 25 minutes is two 10-minute units (weight 0.5 each = 1.0); a login 28 days ago
  // is two half-lives old (1 * 0.25): A = 1.25, engagement = 1 - e^(-0.125).
  std::vector<activity_event> events{event(activity_kind::session_end, k_now, 1500),
                                     event(activity_kind::login, k_now - 28 * k_day)};
  EXPECT_NEAR(engagement(events, rules, k_now), 0.11750309741540454, 1e-12);
  // Sessions count six units at most; reviews (about the candidate) not at all.
  EXPECT_NEAR(engagement({event(activity_kind::session_end, k_now, 36'000)}, rules, k_now),
              engagement({event(activity_kind::session_end, k_now, 3'600)}, rules, k_now), 1e-15);
  EXPECT_EQ(engagement({event(activity_kind::review, k_now, 5)}, rules, k_now), 0.0);
}

TEST(engagement, decays_as_the_clock_moves_and_a_future_event_counts_as_now) {
  engagement_rules rules;
  std::vector<activity_event> events;
  for (int i = 0; i < 20; ++i)
    events.push_back(event(activity_kind::apply, k_now));
  double previous = 1;
  for (int week = 0; week <= 52; ++week) {
    auto e = engagement(events, rules, k_now + week * 7 * k_day);
    EXPECT_LT(e, previous) << "week " << week;
    EXPECT_GT(e, 0.0);
    previous = e;
  }
  EXPECT_LT(previous, 1e-4) << "a year without activity is all but nothing";
  EXPECT_EQ(engagement({event(activity_kind::apply, k_now + k_day)}, rules, k_now),
            engagement({event(activity_kind::apply, k_now)}, rules, k_now));
}

TEST(activity_totals, kept_by_event_in_any_order_they_give_the_batch_formula) {
  engagement_rules rules;
  std::vector<activity_event> events{event(activity_kind::login, k_now - 30 * k_day),
                                     event(activity_kind::apply, k_now - 2 * k_day, 0, "p1"),
                                     event(activity_kind::session_end, k_now - 40 * k_day, 2400),
                                     event(activity_kind::view, k_now - 1 * k_day, 0, "p2"),
                                     event(activity_kind::review, k_now - 3 * k_day, 4, "p1"),
                                     event(activity_kind::view, k_now - 90 * k_day, 0, "p3")};
  activity_totals totals;
  for (const auto& e : events)  // out of time order on purpose
    add_event(totals, e, rules);
  EXPECT_EQ(totals.as_of_ms, k_now - 1 * k_day);
  for (std::int64_t later : {0ll, 1ll, 10ll, 100ll})
    EXPECT_NEAR(engagement_at(totals, rules, k_now + later * k_day),
                engagement(events, rules, k_now + later * k_day), 1e-12)
        << later << " days on";
  // The hand-worked case: one apply now is 1 - e^(-0.3), fourteen days on 1 - e^(-0.15).
  activity_totals one;
  add_event(one, event(activity_kind::apply, k_now), rules);
  EXPECT_NEAR(engagement_at(one, rules, k_now), 0.2591817793182821, 1e-12);
  EXPECT_NEAR(engagement_at(one, rules, k_now + 14 * k_day), 0.1392920235749422, 1e-12);
}

TEST(activity_totals, reviews_join_the_records_own_and_each_reviewed_posting_is_completed_work) {
  engagement_rules rules;
  activity_totals totals;
  add_event(totals, event(activity_kind::review, k_now, 5, "p1"), rules);
  add_event(totals, event(activity_kind::review, k_now, 3, "p2"), rules);
  add_event(totals, event(activity_kind::review, k_now, 4, "p1"), rules);  // p1 again: one job
  auto effect = effect_of("c1", totals, rules, k_now);
  EXPECT_EQ(effect.reviews, 3);
  EXPECT_EQ(effect.stars, 12.0);
  EXPECT_EQ(effect.completed, 2);
  EXPECT_EQ(effect.engagement, 0.0) << "reviews are not the candidate's own activity";
  // The record said 4.5 over 10 reviews and 7 completed jobs: (45 + 12) / 13 = 4.3846...
  auto after = apply_activity({4.5, 10, 7, 0.9}, effect);
  EXPECT_NEAR(after.rating, 57.0 / 13.0, 1e-12);
  EXPECT_EQ(after.review_count, 13);
  EXPECT_EQ(after.completed_jobs, 9);
  EXPECT_EQ(after.engagement, 0.0) << "the record's engagement is replaced by the computed one";
  // No reviews anywhere: the rating stays as given.
  auto none = apply_activity({0, 0, 0, 0}, effect_of("c2", activity_totals{}, rules, k_now));
  EXPECT_EQ(none.rating, 0.0);
  EXPECT_EQ(none.review_count, 0);
}

TEST(standing, points_and_levels) {
  // login 1 + view 1 + an hour's session 6 + apply 10 + a 4-star review 8 = 26 points.
  auto s = standing_of({event(activity_kind::login, k_now), event(activity_kind::view, k_now, 0, "p1"),
                        event(activity_kind::session_end, k_now, 7'200), event(activity_kind::apply, k_now, 0, "p1"),
                        event(activity_kind::review, k_now, 4, "p1")});
  EXPECT_EQ(s.points, 26);
  EXPECT_EQ(s.level, 1);
  EXPECT_EQ(s.rating, 4.0);
  for (auto [points, level] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {0, 1}, {49, 1}, {50, 2}, {149, 2}, {150, 3}, {400, 4}, {999, 4}, {1000, 5}, {2500, 6}, {1'000'000, 6}})
    EXPECT_EQ(level_of(points), level) << points << " points";
}

TEST(standing, badges_follow_their_rules_and_not_one_short) {
  using ::testing::ElementsAre;
  std::vector<activity_event> week, broken;
  for (int day = 0; day < 7; ++day)
    week.push_back(event(activity_kind::login, k_now + day * k_day + 1000));
  for (int day : {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12})
    broken.push_back(event(activity_kind::view, k_now + day * k_day, 0, "p" + std::to_string(day)));
  EXPECT_THAT(standing_of(week).badges, ElementsAre("seven_day_streak"));
  EXPECT_EQ(standing_of(broken).longest_streak_days, 6);
  EXPECT_TRUE(standing_of(broken).badges.empty());

  std::vector<activity_event> rated, almost;
  for (double stars : {5.0, 5.0, 4.0, 4.0, 5.0})
    rated.push_back(event(activity_kind::review, k_now, stars, "p1"));
  for (double stars : {5.0, 5.0, 5.0, 5.0})
    almost.push_back(event(activity_kind::review, k_now, stars, "p1"));
  EXPECT_THAT(standing_of(rated).badges, ElementsAre("top_rated")) << "4.6 over 5 reviews";
  EXPECT_TRUE(standing_of(almost).badges.empty()) << "four reviews are not enough";

  std::vector<activity_event> busy;
  for (int i = 0; i < 25; ++i)
    busy.push_back(event(activity_kind::apply, k_now, 0, "p" + std::to_string(i)));
  for (int i = 0; i < 25; ++i)
    busy.push_back(event(activity_kind::view, k_now, 0, "p" + std::to_string(i % 20)));
  for (int i = 0; i < 30; ++i)
    busy.push_back(event(activity_kind::login, k_now));
  auto s = standing_of(busy);
  EXPECT_EQ(s.distinct_postings_viewed, 20);
  EXPECT_THAT(s.badges, ElementsAre("first_application", "explorer", "regular", "prolific"));
  busy.pop_back();  // 29 logins
  EXPECT_THAT(standing_of(busy).badges, ElementsAre("first_application", "explorer", "prolific"));
}

TEST(activity_kind, names_round_trip_and_others_are_refused) {
  for (auto kind : {activity_kind::login, activity_kind::session_end, activity_kind::view, activity_kind::apply,
                    activity_kind::review}) {
    activity_kind back{};
    ASSERT_TRUE(parse_activity_kind(to_string(kind), back));
    EXPECT_EQ(back, kind);
  }
  activity_kind ignored{};
  EXPECT_FALSE(parse_activity_kind("click", ignored));
  EXPECT_FALSE(parse_activity_kind("", ignored));
}
