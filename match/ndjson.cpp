#include "match/ndjson.hpp"

#include "match/detail/field_reader.hpp"
#include "match/query.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <unordered_set>

namespace jobmesh::match {

namespace {

using detail::field_reader;

constexpr double k_unbounded = std::numeric_limits<double>::max();

void read_fields(field_reader& r, posting& p) {
  r.id("id", p.id);
  r.required_string("company", p.company, true);
  r.required_string("title", p.title, false);
  for (auto [name, field] : {std::pair{"category", &p.category}, {"industry", &p.industry},
                             {"subcategory", &p.subcategory}, {"country", &p.country}, {"city", &p.city}})
    r.optional_string(name, *field);
  r.coordinates(p.coordinates);
  r.choice<work_mode>("work_mode", p.mode, parse_work_mode, "onsite, hybrid, remote");
  r.choice<employment_type>("employment_type", p.employment, parse_employment_type,
                            "full_time, part_time, contract, internship");
  r.string_list("required_skills", p.required_skills);
  r.string_list("certifications", p.certifications);
  r.number("salary_min", p.salary_min, 0, k_unbounded);
  r.number("salary_max", p.salary_max, 0, k_unbounded);
  // Either bound may be stated alone (0 = not stated); the order matters only when both are.
  if (!r.failed() && p.salary_min > 0 && p.salary_max > 0 && p.salary_min > p.salary_max)
    r.fail("salary_min", fmt::format("salary_min must be <= salary_max, got {} > {}", p.salary_min, p.salary_max));
  r.level("experience_level", p.experience_level);
  r.number("min_years", p.min_years, 0, k_unbounded);
  r.date("posted_date", p.posted_date);
  r.date("deadline_date", p.deadline_date);
}

void read_fields(field_reader& r, candidate& c) {
  r.id("id", c.id);
  for (auto [name, field] : {std::pair{"full_name", &c.full_name}, {"country", &c.country}, {"city", &c.city},
                             {"industry", &c.industry}, {"subcategory", &c.subcategory}})
    r.optional_string(name, *field);
  r.coordinates(c.coordinates);
  r.number("max_distance_km", c.max_distance_km, 0, k_unbounded, true);
  r.string_list("preferred_categories", c.preferred_categories);
  r.string_list("skills", c.skills);
  r.string_list("certifications", c.certifications);
  r.number("years_experience", c.years_experience, 0, k_unbounded);
  r.level("experience_level", c.experience_level);
  if (r.present("education_level")) {
    education_level e{};
    r.choice<education_level>("education_level", e, parse_education_level, "none, high_school, bachelor, master, phd");
    c.education = e;
  }
  r.number("expected_salary", c.expected_salary, 0, k_unbounded);
  r.number("current_salary", c.current_salary, 0, k_unbounded);
  r.number("rating", c.rating, 0, 5);
  r.integer("review_count", c.review_count, 0);
  r.integer("completed_jobs", c.completed_jobs, 0);
  r.number("engagement", c.engagement, 0, 1);
}

template <class Record>
read_result<Record> read_all(std::string_view text) {
  read_result<Record> out;
  simdjson::dom::parser parser;
  std::unordered_set<std::string> ids;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    auto line = text.substr(pos, eol == std::string_view::npos ? text.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    simdjson::dom::object obj;
    if (auto err = parser.parse(line.data(), line.size(), true).get_object().get(obj)) {
      out.errors.push_back({line_no, "", fmt::format("not a JSON object: {}", simdjson::error_message(err))});
      continue;
    }
    field_reader reader{obj, line_no};
    Record rec;
    read_fields(reader, rec);
    if (!reader.failed() && !ids.insert(rec.id).second)
      reader.fail("id", fmt::format("id \"{}\" appears on an earlier line", rec.id));
    if (reader.failed()) {
      out.errors.push_back(*reader.error());
      continue;
    }
    rec.extra = reader.extras();
    out.records.push_back(std::move(rec));
  }
  return out;
}

// Whole numbers go out as integers ("salary_max":47000, not 4.7E4); others as doubles.
boost::json::value num(double x) {
  if (std::trunc(x) == x && std::abs(x) < 1e15)
    return boost::json::value(static_cast<std::int64_t>(x));
  return boost::json::value(x);
}

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

void put_extras(boost::json::object& o, const std::vector<extra_field>& extra) {
  for (const auto& [key, raw] : extra)
    o[key] = boost::json::parse(raw);
}

void put_coordinates(boost::json::object& o, const std::optional<geo_point>& g) {
  if (!g)
    return;
  o["lat"] = num(g->lat);
  o["lon"] = num(g->lon);
}

}  // namespace

read_result<posting> read_postings(std::string_view ndjson) {
  return read_all<posting>(ndjson);
}

read_result<candidate> read_candidates(std::string_view ndjson) {
  return read_all<candidate>(ndjson);
}

std::string to_json(const posting& p) {
  boost::json::object o{{"id", p.id}, {"company", p.company}, {"title", p.title}, {"category", p.category},
                        {"industry", p.industry}, {"subcategory", p.subcategory}, {"country", p.country},
                        {"city", p.city}, {"work_mode", to_string(p.mode)},
                        {"employment_type", to_string(p.employment)},
                        {"required_skills", strings(p.required_skills)},
                        {"certifications", strings(p.certifications)}, {"salary_min", num(p.salary_min)},
                        {"salary_max", num(p.salary_max)}, {"experience_level", experience_level_name(p.experience_level)},
                        {"min_years", num(p.min_years)}};
  put_coordinates(o, p.coordinates);
  if (!p.posted_date.empty())
    o["posted_date"] = p.posted_date;
  if (!p.deadline_date.empty())
    o["deadline_date"] = p.deadline_date;
  put_extras(o, p.extra);
  return boost::json::serialize(o);
}

std::string to_json(const candidate& c) {
  boost::json::object o{{"id", c.id}, {"full_name", c.full_name}, {"country", c.country}, {"city", c.city},
                        {"max_distance_km", num(c.max_distance_km)}, {"industry", c.industry},
                        {"subcategory", c.subcategory}, {"preferred_categories", strings(c.preferred_categories)},
                        {"skills", strings(c.skills)}, {"certifications", strings(c.certifications)},
                        {"years_experience", num(c.years_experience)},
                        {"experience_level", experience_level_name(c.experience_level)},
                        {"expected_salary", num(c.expected_salary)}, {"current_salary", num(c.current_salary)},
                        {"rating", num(c.rating)}, {"review_count", c.review_count},
                        {"completed_jobs", c.completed_jobs}, {"engagement", num(c.engagement)}};
  put_coordinates(o, c.coordinates);
  if (c.education)
    o["education_level"] = to_string(*c.education);
  put_extras(o, c.extra);
  return boost::json::serialize(o);
}

// Written by hand for speed and plain numbers: ids are [A-Za-z0-9_.:-] (checked on input) and
// factor names are fixed, so nothing needs escaping; fmt writes the shortest round-trip form.
std::string results_to_json(const source_results& r, const profile& prof) {
  std::string out = fmt::format(R"({{"source":"{}","results":[)", r.source);
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    const auto& m = r.results[i];
    out += fmt::format(R"({}{{"id":"{}","score":{},"factors":{{)", i == 0 ? "" : ",", m.id, m.score);
    for (std::size_t k = 0; k < prof.used.size(); ++k)
      out += fmt::format(R"({}"{}":{})", k == 0 ? "" : ",", to_string(prof.used[k]),
                         m.factors[static_cast<std::size_t>(prof.used[k])]);
    out += "}}";
  }
  out += "]}";
  return out;
}

}  // namespace jobmesh::match
