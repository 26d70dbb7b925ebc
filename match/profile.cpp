#include "match/profile.hpp"

#include <cmath>
#include <fmt/format.h>

namespace jobmesh::match {

namespace {

constexpr std::array<std::string_view, k_factor_count> k_factor_names{
    "location", "industry", "activity", "rating", "track_record",
    "category", "skills",   "experience", "seniority", "salary"};
constexpr double k_weight_tolerance = 1e-9;

profile built_in(std::string name, std::initializer_list<std::pair<factor, double>> weights) {
  profile p;
  p.name = std::move(name);
  for (auto [f, w] : weights)
    p.weights[static_cast<std::size_t>(f)] = w;
  for (std::size_t i = 0; i < k_factor_count; ++i)
    if (p.weights[i] > 0)
      p.used.push_back(static_cast<factor>(i));
  return p;
}

}  // namespace

std::string_view to_string(factor f) {
  return k_factor_names[static_cast<std::size_t>(f)];
}

std::optional<factor> parse_factor(std::string_view name) {
  for (std::size_t i = 0; i < k_factor_count; ++i)
    if (k_factor_names[i] == name)
      return static_cast<factor>(i);
  return std::nullopt;
}

const profile& proximity_profile() {
  static const profile p = built_in("proximity", {{factor::location, .35}, {factor::industry, .25},
                                                  {factor::activity, .15}, {factor::rating, .15},
                                                  {factor::track_record, .10}});
  return p;
}

const profile& fit_profile() {
  static const profile p = built_in("fit", {{factor::category, .30}, {factor::skills, .30},
                                            {factor::experience, .20}, {factor::seniority, .10},
                                            {factor::salary, .10}});
  return p;
}

std::variant<profile, std::string> make_profile(const std::string& name, const std::map<std::string, double>& weights) {
  profile p;
  p.name = name;
  double sum = 0;
  for (const auto& [factor_name, w] : weights) {
    auto f = parse_factor(factor_name);
    if (!f)
      return fmt::format("profile '{}': unknown factor '{}' (known: {})", name, factor_name, fmt::join(k_factor_names, ", "));
    if (!(w >= 0 && w <= 1))
      return fmt::format("profile '{}': weight of {} must be in [0, 1], got {}", name, factor_name, w);
    p.weights[static_cast<std::size_t>(*f)] = w;
    sum += w;
  }
  if (std::abs(sum - 1.0) > k_weight_tolerance)
    return fmt::format("profile '{}': weights must sum to 1, they sum to {}", name, sum);
  for (std::size_t i = 0; i < k_factor_count; ++i)
    if (p.weights[i] > 0)
      p.used.push_back(static_cast<factor>(i));
  return p;
}

profile_set::profile_set() {
  profiles_.emplace(proximity_profile().name, proximity_profile());
  profiles_.emplace(fit_profile().name, fit_profile());
}

std::vector<std::string> profile_set::add(const std::map<std::string, std::map<std::string, double>>& custom) {
  std::vector<std::string> errors;
  for (const auto& [name, weights] : custom) {
    auto made = make_profile(name, weights);
    if (auto* e = std::get_if<std::string>(&made))
      errors.push_back(*e);
    else
      profiles_.insert_or_assign(name, std::get<profile>(std::move(made)));
  }
  return errors;
}

const profile* profile_set::find(std::string_view name) const {
  auto it = profiles_.find(name);
  return it == profiles_.end() ? nullptr : &it->second;
}

std::vector<std::string> profile_set::names() const {
  std::vector<std::string> out;
  for (const auto& [name, p] : profiles_)
    out.push_back(name);
  return out;
}

std::int64_t rank_key(double score) {
  return std::llround(score * 1e6);
}

}  // namespace jobmesh::match
