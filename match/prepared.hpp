#pragma once
/// Records as scoring sees them: every word normalised (those of few values pooled, see
/// word.hpp), lists turned into sets, synonyms applied. Both scorers (reference and kernel)
/// start from these.

#include "match/normaliser.hpp"
#include "match/records.hpp"
#include "match/word.hpp"

namespace jobmesh::match {

struct prepared_posting {
  std::string id;
  std::string company;  ///< normalised, for top_per_company
  // The small fields side by side (no padding between them): 160 bytes a posting, not 168.
  word category, industry, subcategory, country, city;
  work_mode mode = work_mode::onsite;
  employment_type employment = employment_type::full_time;
  int level = 2;
  std::optional<geo_point> coordinates;
  sorted_terms skills;
  double min_years = 0;
  double salary_max = 0;

  bool operator==(const prepared_posting&) const = default;
};

struct prepared_candidate {
  std::string id;
  word country, city, industry, subcategory;
  std::optional<geo_point> coordinates;
  double max_distance_km = 50;
  std::vector<std::string> preferred_categories;  ///< word set
  sorted_terms skills;
  double years_experience = 0;
  int level = 2;
  double expected_salary = 0;
  double rating = 0;
  std::int64_t review_count = 0;
  std::int64_t completed_jobs = 0;
  double engagement = 0;

  bool operator==(const prepared_candidate&) const = default;
};

prepared_posting prepare(const posting& p, const normaliser& n);
/// The same into `out`, a default-constructed record: each field is built in its place (no
/// dozen strings built aside and moved).
void prepare_into(const posting& p, const normaliser& n, prepared_posting& out);
void prepare_into(const candidate& c, const normaliser& n, prepared_candidate& out);
prepared_candidate prepare(const candidate& c, const normaliser& n);
std::vector<prepared_posting> prepare_all(const std::vector<posting>& v, const normaliser& n);
std::vector<prepared_candidate> prepare_all(const std::vector<candidate>& v, const normaliser& n);
/// The same, on `threads` threads (0 = every core; few records stay on one).
std::vector<prepared_posting> prepare_all(const std::vector<posting>& v, const normaliser& n, unsigned threads);
std::vector<prepared_candidate> prepare_all(const std::vector<candidate>& v, const normaliser& n, unsigned threads);

}  // namespace jobmesh::match
