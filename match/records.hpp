#pragma once
/// Postings (employment openings) and candidates as SPEC-matching.md defines them: one struct
/// each, holding the values as given (not normalised), plus the fields a record carried that
/// the spec does not name, kept as raw JSON so they can be stored and returned.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobmesh::match {

enum class work_mode : std::uint8_t { onsite, hybrid, remote };
enum class employment_type : std::uint8_t { full_time, part_time, contract, internship };
enum class education_level : std::uint8_t { none, high_school, bachelor, master, phd };

/// Degrees; both present or neither (the parser enforces it).
struct geo_point {
  double lat = 0;
  double lon = 0;

  bool operator==(const geo_point&) const = default;
};

/// A field the spec does not name: its key and its value as JSON text.
using extra_field = std::pair<std::string, std::string>;

struct posting {
  std::string id;
  std::string company;
  std::string title;
  std::string category;
  std::string industry;
  std::string subcategory;
  std::string country;
  std::string city;
  std::optional<geo_point> coordinates;
  work_mode mode = work_mode::onsite;
  employment_type employment = employment_type::full_time;
  std::vector<std::string> required_skills;
  std::vector<std::string> certifications;
  double salary_min = 0;
  double salary_max = 0;
  int experience_level = 2;  ///< entry 0 .. lead 4
  double min_years = 0;
  std::string posted_date;    ///< YYYY-MM-DD or empty
  std::string deadline_date;  ///< YYYY-MM-DD or empty
  std::vector<extra_field> extra;

  /// Field by field (extras in order).
  bool operator==(const posting&) const = default;
};

struct candidate {
  std::string id;
  std::string full_name;
  std::string country;
  std::string city;
  std::optional<geo_point> coordinates;
  double max_distance_km = 50;
  std::string industry;
  std::string subcategory;
  std::vector<std::string> preferred_categories;
  std::vector<std::string> skills;
  std::vector<std::string> certifications;
  double years_experience = 0;
  int experience_level = 2;
  std::optional<education_level> education;
  double expected_salary = 0;
  double current_salary = 0;
  double rating = 0;
  std::int64_t review_count = 0;
  std::int64_t completed_jobs = 0;  ///< postings this person completed work for (spec name)
  double engagement = 0;
  std::vector<extra_field> extra;

  /// Field by field (extras in order).
  bool operator==(const candidate&) const = default;
};

/// "entry" -> 0 ... "lead" -> 4.
std::optional<int> parse_experience_level(std::string_view text);
std::string_view experience_level_name(int level);
std::optional<work_mode> parse_work_mode(std::string_view text);
std::string_view to_string(work_mode m);
std::optional<employment_type> parse_employment_type(std::string_view text);
std::string_view to_string(employment_type e);
std::optional<education_level> parse_education_level(std::string_view text);
std::string_view to_string(education_level e);

}  // namespace jobmesh::match
