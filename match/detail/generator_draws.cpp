// A multiply-add fused on one machine and not on another rounds differently; the same seed
// must give the same bytes everywhere, so this file never fuses (GCC's -march=native would).
#pragma GCC optimize("fp-contract=off")

#include "match/detail/generator_draws.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <map>

namespace jobmesh::match::detail {

namespace {

constexpr double k_missing_coordinates_share = 0.05;
constexpr double k_second_trade_share = 0.35;
constexpr double k_shared_skill_share = 0.12;
constexpr double k_outlier_skill_share = 0.05;
constexpr double k_respelled_share = 0.3;  // of the skills that have other spellings
// Pay of entry .. lead relative to mid level.
constexpr std::array<double, 5> k_level_pay{0.6, 0.78, 1.0, 1.3, 1.6};

const std::vector<double>& cumulative_population() {
  static const std::vector<double> sums = [] {
    std::vector<double> out;
    double total = 0;
    for (const auto& c : cities())
      out.push_back(total += c.population_m);
    return out;
  }();
  return sums;
}

std::string_view one_skill(portable_random& r, const job_family& family, const job_family* second) {
  double u = r.unit();
  if (u < k_outlier_skill_share)
    return r.pick(r.pick(job_families()).skills);
  if (u < k_outlier_skill_share + k_shared_skill_share)
    return r.pick(shared_skills());
  if (second != nullptr && r.chance(k_second_trade_share))
    return r.pick(second->skills);
  return r.pick(family.skills);
}

std::string as_typed(portable_random& r, std::string_view canonical) {
  static const auto by_skill = [] {
    std::multimap<std::string_view, std::string_view> m;
    for (const auto& s : skill_spellings())
      m.emplace(s.canonical, s.written);
    return m;
  }();
  if (!r.chance(k_respelled_share))
    return std::string{canonical};
  auto [b, e] = by_skill.equal_range(canonical);
  auto n = static_cast<std::size_t>(std::distance(b, e));
  return n == 0 ? std::string{canonical} : std::string{std::next(b, static_cast<std::ptrdiff_t>(r.index(n)))->second};
}

}  // namespace

const city& draw_city(portable_random& r) {
  const auto& sums = cumulative_population();
  auto at = std::upper_bound(sums.begin(), sums.end(), r.unit() * sums.back());
  return cities()[std::min<std::size_t>(static_cast<std::size_t>(at - sums.begin()), sums.size() - 1)];
}

std::optional<geo_point> draw_coordinates(portable_random& r, const city& c) {
  if (r.chance(k_missing_coordinates_share))
    return std::nullopt;
  // About 9 km of spread north-south; longitude degrees shrink with latitude, so widen them.
  double lat = std::clamp(c.lat + r.normal() * 0.08, -90.0, 90.0);
  double lon = std::clamp(c.lon + r.normal() * 0.08 / std::max(0.2, std::cos(c.lat * 0.017453292519943295)),
                          -180.0, 180.0);
  return geo_point{std::round(lat * 1e5) / 1e5, std::round(lon * 1e5) / 1e5};
}

std::vector<std::string> draw_skills(portable_random& r, const job_family& family, const job_family* second,
                                     std::size_t n) {
  std::vector<std::string_view> chosen;
  for (std::size_t tries = 0; chosen.size() < n && tries < n * 20; ++tries) {
    auto skill = one_skill(r, family, second);
    if (std::find(chosen.begin(), chosen.end(), skill) == chosen.end())
      chosen.push_back(skill);
  }
  std::vector<std::string> out;
  out.reserve(chosen.size());
  for (auto s : chosen)
    out.push_back(as_typed(r, s));
  return out;
}

double typical_pay(const job_family& family, int level, const city& where) {
  return family.base_salary * k_level_pay[static_cast<std::size_t>(std::clamp(level, 0, k_top_level))] *
         where.salary_factor;
}

double round_to(double x, double step) {
  return std::max(0.0, std::round(x / step) * step);
}

std::string date_of_2026(int day) {
  static constexpr std::array<int, 12> k_days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  day = std::clamp(day, 0, 364);
  std::size_t month = 0;
  while (day >= k_days[month])
    day -= k_days[month++];
  return fmt::format("2026-{:02}-{:02}", month + 1, day + 1);
}

std::string company_name(std::size_t i) {
  const auto& words = company_words();
  const auto& suffixes = company_suffixes();
  const std::size_t w = words.size();
  // The second word is never the first: (first, offset) pairs are distinct for i < w * (w - 1).
  std::size_t first = i % w, second = (first + 1 + (i / w) % (w - 1)) % w;
  std::size_t round = i / (w * (w - 1));
  auto name = fmt::format("{} {} {}", words[first], words[second], suffixes[round % suffixes.size()]);
  return round < suffixes.size() ? name : fmt::format("{} {}", name, round / suffixes.size() + 1);
}

}  // namespace jobmesh::match::detail
