#pragma once
// The market the generator draws from: job families with their skill pools, certifications,
// salaries and titles; cities with coordinates, populations and pay levels; the parts of
// company and people's names. Plain constant tables, built once, read by any thread.

#include <array>
#include <string_view>
#include <vector>

namespace jobmesh::match::detail {

struct job_family {
  std::string_view category;
  std::string_view industry;
  std::array<std::string_view, 3> subcategories;
  std::vector<std::string_view> skills;          ///< 20..40, the family's own pool
  std::vector<std::string_view> certifications;  ///< empty for families that have none
  double base_salary;                            ///< yearly, mid level, in a country of factor 1
  std::array<std::string_view, 3> titles;
  double degree_share;  ///< of people in the family who hold a university degree
};

struct city {
  std::string_view name;
  std::string_view country;
  double lat, lon;
  double population_m;   ///< millions: the weight of the city in draws
  double salary_factor;  ///< pay level of the country (1 = the families' base salaries)
};

/// A spelling people write instead of the canonical skill (synonym, capitals, extra blanks);
/// the spec's normalisation maps it back.
struct skill_spelling {
  std::string_view canonical;
  std::string_view written;
};

const std::vector<job_family>& job_families();
/// Skills of every trade (english, teamwork, ...), drawn besides a family's own pool.
const std::vector<std::string_view>& shared_skills();
const std::vector<skill_spelling>& skill_spellings();

const std::vector<city>& cities();
const std::vector<std::string_view>& company_words();
const std::vector<std::string_view>& company_suffixes();
const std::vector<std::string_view>& first_names();
const std::vector<std::string_view>& last_names();

}  // namespace jobmesh::match::detail
