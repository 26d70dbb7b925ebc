#include "match/prepared.hpp"

#include "match/detail/threads.hpp"

#include <algorithm>

namespace jobmesh::match {

void prepare_into(const posting& p, const normaliser& n, prepared_posting& out) {
  out.id = p.id;
  out.company = normalise_word(p.company);
  out.category = normal_word(p.category);
  out.industry = normal_word(p.industry);
  out.subcategory = normal_word(p.subcategory);
  out.country = normal_word(p.country);
  out.city = normal_word(p.city);
  out.coordinates = p.coordinates;
  out.mode = p.mode;
  out.employment = p.employment;
  out.skills = n.term_set(p.required_skills);
  out.level = p.experience_level;
  out.min_years = p.min_years;
  out.salary_max = p.salary_max;
}

void prepare_into(const candidate& c, const normaliser& n, prepared_candidate& out) {
  out.id = c.id;
  out.country = normal_word(c.country);
  out.city = normal_word(c.city);
  out.industry = normal_word(c.industry);
  out.subcategory = normal_word(c.subcategory);
  out.coordinates = c.coordinates;
  out.max_distance_km = c.max_distance_km;
  out.preferred_categories = n.word_set(c.preferred_categories);
  out.skills = n.term_set(c.skills);
  out.years_experience = c.years_experience;
  out.level = c.experience_level;
  out.expected_salary = c.expected_salary;
  out.rating = c.rating;
  out.review_count = c.review_count;
  out.completed_jobs = c.completed_jobs;
  out.engagement = c.engagement;
}

namespace {

template <class Prepared, class Record>
std::vector<Prepared> fill_all(const std::vector<Record>& v, const normaliser& n) {
  std::vector<Prepared> out;
  out.reserve(v.size());
  for (const auto& r : v)
    prepare_into(r, n, out.emplace_back());
  return out;
}

// A range of records per thread, each filled in its place (the normaliser is only read).
template <class Prepared, class Record>
std::vector<Prepared> fill_all(const std::vector<Record>& v, const normaliser& n, unsigned threads) {
  constexpr std::size_t k_smallest_range = 10'000;
  threads = detail::thread_count(threads, v.size(), k_smallest_range);
  if (threads == 1)
    return fill_all<Prepared>(v, n);
  std::vector<Prepared> out(v.size());
  auto fill_range = [&](unsigned t) {
    for (auto i = v.size() * t / threads; i < v.size() * (t + 1) / threads; ++i)
      prepare_into(v[i], n, out[i]);
  };
  detail::run_on_threads(threads, fill_range);  // every thread has ended before `out` moves
  return out;
}

}  // namespace

prepared_posting prepare(const posting& p, const normaliser& n) {
  prepared_posting out;
  prepare_into(p, n, out);
  return out;
}

prepared_candidate prepare(const candidate& c, const normaliser& n) {
  prepared_candidate out;
  prepare_into(c, n, out);
  return out;
}

std::vector<prepared_posting> prepare_all(const std::vector<posting>& v, const normaliser& n) {
  return fill_all<prepared_posting>(v, n);
}

std::vector<prepared_candidate> prepare_all(const std::vector<candidate>& v, const normaliser& n) {
  return fill_all<prepared_candidate>(v, n);
}

std::vector<prepared_posting> prepare_all(const std::vector<posting>& v, const normaliser& n, unsigned threads) {
  return fill_all<prepared_posting>(v, n, threads);
}

std::vector<prepared_candidate> prepare_all(const std::vector<candidate>& v, const normaliser& n, unsigned threads) {
  return fill_all<prepared_candidate>(v, n, threads);
}

}  // namespace jobmesh::match
