#include "net/record_request.hpp"

#include "match/ndjson.hpp"
#include "match/normaliser.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace jobmesh::net {

namespace {

constexpr std::int64_t k_max_record_page = 1000;

template <class Number>
bool parse_number(const std::string& text, Number& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

std::optional<field_error> read_option(actors::match_options& o, const std::string& name, const std::string& value,
                                       bool for_candidate) {
  if (name == "profile") {
    if (value.empty())
      return field_error{name, "profile must name a profile, e.g. fit or proximity"};
    o.profile = value;
  } else if (name == "top_k") {
    if (!parse_number(value, o.top_k) || o.top_k < 1 || o.top_k > 10'000)
      return field_error{name, "top_k must be an integer in [1, 10000]"};
  } else if (name == "min_score") {
    if (!parse_number(value, o.min_score) || !std::isfinite(o.min_score) || o.min_score < 0 || o.min_score > 100)
      return field_error{name, "min_score must be a number in [0, 100]"};
  } else if (for_candidate && name == "top_per_company") {
    if (value != "true" && value != "false")
      return field_error{name, "top_per_company must be true or false"};
    o.top_per_company = value == "true";
  } else if (for_candidate && name == "work_mode") {
    if (!(o.filters.mode = match::parse_work_mode(value)))
      return field_error{name, "work_mode must be onsite, hybrid or remote"};
  } else if (for_candidate && name == "employment_type") {
    if (!(o.filters.employment = match::parse_employment_type(value)))
      return field_error{name, "employment_type must be full_time, part_time, contract or internship"};
  } else if (for_candidate && (name == "country" || name == "category")) {
    auto word = match::normalise_word(value);
    if (word.empty())  // it would match no posting: an empty answer that looks like no match
      return field_error{name, fmt::format("{} must name a {}, e.g. {}", name, name,
                                           name == "country" ? "Germany" : "Data Engineering")};
    (name == "country" ? o.filters.country : o.filters.category) = std::move(word);
  } else {
    return field_error{name, for_candidate ? fmt::format("unknown option '{}'; known: profile, top_k, min_score, "
                                                         "top_per_company, country, work_mode, employment_type, category",
                                                         name)
                                           : fmt::format("unknown option '{}'; known: profile, top_k, min_score", name)};
  }
  return std::nullopt;
}

}  // namespace

std::variant<actors::match_options, field_error> parse_match_options(const std::map<std::string, std::string>& query,
                                                                    bool for_candidate) {
  actors::match_options o;
  for (const auto& [name, value] : query)
    if (auto e = read_option(o, name, value, for_candidate))
      return *e;
  return o;
}

std::variant<record_page, field_error> parse_record_page(const std::map<std::string, std::string>& query) {
  record_page page;
  for (const auto& [name, value] : query) {
    if (name == "after") {
      page.after = value;
    } else if (name == "limit") {
      if (!parse_number(value, page.limit) || page.limit < 1 || page.limit > k_max_record_page)
        return field_error{name, fmt::format("limit must be an integer in [1, {}]", k_max_record_page)};
    } else {
      return field_error{name, fmt::format("unknown option '{}'; known: after, limit", name)};
    }
  }
  return page;
}

std::string as_ndjson(std::string body, bool is_ndjson) {
  return is_ndjson ? body : match::one_line(body);
}

}  // namespace jobmesh::net
