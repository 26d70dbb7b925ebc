#pragma once
// The market the generator draws from: job families with their skills and salaries, cities
// with coordinates and populations, companies' name parts.

#include <array>
#include <string_view>
#include <vector>

namespace jobmesh::match::detail {

struct job_family {
  std::string_view category;
  std::string_view industry;
  std::array<std::string_view, 3> subcategories;
  std::vector<std::string_view> skills;
  std::vector<std::string_view> certifications;
  double base_salary;  ///< yearly, mid level, in a country of factor 1
  std::array<std::string_view, 3> titles;
};

struct city {
  std::string_view name;
  std::string_view country;
  double lat, lon;
  double population_m;
  double salary_factor;  ///< of the country
};

const std::vector<job_family>& job_families();
const std::vector<city>& cities();
const std::vector<std::string_view>& shared_skills();
const std::vector<std::string_view>& company_words();
const std::vector<std::string_view>& first_names();
const std::vector<std::string_view>& last_names();

}  // namespace jobmesh::match::detail
