#pragma once
// Draws shared by postings and candidates: a city, coordinates near it, skills from a family,
// pay for a family, level and city, a date, a company. Each takes the record's own random
// stream, so a record is a pure function of (seed, kind, index).

#include "match/detail/generator_random.hpp"
#include "match/detail/generator_tables.hpp"
#include "match/records.hpp"

#include <optional>
#include <string>
#include <vector>

namespace jobmesh::match::detail {

/// Experience levels, entry = 0 .. lead = 4 (SPEC-matching.md).
constexpr int k_top_level = 4;

/// A city with probability proportional to its population.
const city& draw_city(portable_random& r);

/// Coordinates scattered over the metropolitan area of `c`, rounded to 1e-5 degrees; none for
/// a small share of records (people and companies who did not give them).
std::optional<geo_point> draw_coordinates(portable_random& r, const city& c);

/// `n` distinct skills: mostly from `family`, some shared by every trade, a few from any
/// other family; about a third from `second` when given (a second trade someone has). A few
/// are written as people type them (synonyms, capitals, blanks), which normalisation undoes.
std::vector<std::string> draw_skills(portable_random& r, const job_family& family, const job_family* second,
                                     std::size_t n);

/// Yearly pay around the family's base, scaled by level (0..4) and the city's country.
double typical_pay(const job_family& family, int level, const city& where);

/// `x` rounded to a multiple of `step`, at least 0.
double round_to(double x, double step);

/// `YYYY-MM-DD` of day `day` (0-based) of 2026, clamped to the year.
std::string date_of_2026(int day);

/// A company name for index `i`; indices below several thousand get distinct names.
std::string company_name(std::size_t i);

}  // namespace jobmesh::match::detail
