#pragma once
/// The ten factors and the profiles that weigh them (SPEC-matching.md "Factors", "Profiles").
/// A score is `100 * sum(weight * factor)`, summed in factor order over the factors the profile
/// uses, so every scorer that goes through `combine` gets bit-identical scores.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace jobmesh::match {

enum class factor : std::uint8_t {
  location, industry, activity, rating, track_record, category, skills, experience, seniority, salary
};
constexpr std::size_t k_factor_count = 10;

std::string_view to_string(factor f);
std::optional<factor> parse_factor(std::string_view name);

/// A value per factor, indexed by `factor`.
using factor_values = std::array<double, k_factor_count>;

struct profile {
  std::string name;
  factor_values weights{};
  std::vector<factor> used;  ///< factors with a weight > 0, in factor order
};

/// The built-in profiles.
const profile& proximity_profile();
const profile& fit_profile();

/// A profile from config: known factor names, weights in [0, 1] summing to 1 within 1e-9.
/// Returns the profile or a message naming the profile and what is wrong.
std::variant<profile, std::string> make_profile(const std::string& name, const std::map<std::string, double>& weights);

/// 100 * sum over `p.used` of weight * value.
inline double combine(const profile& p, const factor_values& f) {
  double sum = 0;
  for (auto x : p.used)
    sum += p.weights[static_cast<std::size_t>(x)] * f[static_cast<std::size_t>(x)];
  return 100.0 * sum;
}

/// The built-in profiles plus custom ones, by name.
class profile_set {
public:
  profile_set();
  /// Adds every profile of `custom` (name -> factor -> weight); returns the errors, if any.
  std::vector<std::string> add(const std::map<std::string, std::map<std::string, double>>& custom);
  const profile* find(std::string_view name) const;
  std::vector<std::string> names() const;

private:
  std::map<std::string, profile, std::less<>> profiles_;
};

/// Ranking key of a score: llround(score * 1e6) (SPEC "Queries").
std::int64_t rank_key(double score);

}  // namespace jobmesh::match
