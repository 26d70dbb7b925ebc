#include "net/posting_page.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace jobmesh::net {

namespace {

std::string_view trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The quality of one media range ("text/html;q=0.9" -> 0.9; no q is 1; a bad q is 0).
double quality_of(std::string_view params) {
  for (std::size_t pos = 0; pos < params.size();) {
    auto end = std::min(params.find(';', pos), params.size());
    auto p = trimmed(params.substr(pos, end - pos));
    if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      double q = 0;
      auto v = p.substr(2);
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), q);
      return ec == std::errc{} && ptr == v.data() + v.size() && q >= 0 && q <= 1 ? q : 0.0;
    }
    pos = end + 1;
  }
  return 1.0;
}

std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

// A field as text: a string as it is, a number as JSON writes it; absent, null or empty: none.
std::optional<std::string> text_of(const boost::json::object& r, std::string_view key) {
  const auto* v = r.if_contains(key);
  if (v == nullptr || v->is_null())
    return std::nullopt;
  if (v->is_string())
    return v->as_string().empty() ? std::nullopt : std::optional<std::string>{std::string{v->as_string()}};
  if (v->is_int64() || v->is_uint64())
    return boost::json::serialize(*v);
  if (v->is_double())
    return fmt::format("{:g}", v->as_double());
  return std::nullopt;
}

double number_of(const boost::json::object& r, std::string_view key) {
  const auto* v = r.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
}

std::string words(std::string_view code) {  // "full_time" -> "full time"
  std::string out{code};
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string salary_text(double low, double high) {
  auto amount = [](double v) { return fmt::format("{:.0f}", v); };
  if (low > 0 && high > 0)
    return amount(low) + " to " + amount(high);
  if (low > 0)
    return "from " + amount(low);
  return "up to " + amount(high);
}

}  // namespace

bool prefers_html(std::string_view accept) {
  using boost::beast::iequals;
  double html = 0, json = 0, any = 0;
  for (std::size_t pos = 0; pos < accept.size();) {
    auto end = std::min(accept.find(',', pos), accept.size());
    auto range = trimmed(accept.substr(pos, end - pos));
    auto semi = range.find(';');
    auto type = trimmed(range.substr(0, semi));
    auto q = semi == std::string_view::npos ? 1.0 : quality_of(range.substr(semi + 1));
    if (iequals(type, "text/html") || iequals(type, "application/xhtml+xml"))
      html = std::max(html, q);
    else if (iequals(type, "application/json"))
      json = std::max(json, q);
    else if (iequals(type, "*/*") || iequals(type, "application/*"))
      any = std::max(any, q);
    pos = end + 1;
  }
  return html > 0 && html > std::max(json, any);
}

std::string posting_page(const boost::json::object& r) {
  auto field = [&](std::string_view key) { return text_of(r, key).value_or(""); };
  auto title = field("title"), company = field("company");
  std::string out = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>{} at {}</title>\n</head>\n<body>\n<article>\n", escaped(title), escaped(company));
  out += fmt::format("<h1>{}</h1>\n<p class=\"company\">{}</p>\n<dl>\n", escaped(title), escaped(company));
  auto row = [&](std::string_view name, const std::string& value) {
    if (!value.empty())
      out += fmt::format("<dt>{}</dt><dd>{}</dd>\n", name, escaped(value));
  };
  std::string place = field("city");
  if (auto country = field("country"); !country.empty())
    place += (place.empty() ? "" : ", ") + country;
  row("Location", place);
  row("Work mode", words(field("work_mode")));
  row("Employment", words(field("employment_type")));
  row("Category", field("category"));
  std::string industry = field("industry");
  if (auto sub = field("subcategory"); !sub.empty())
    industry += (industry.empty() ? "" : ", ") + sub;
  row("Industry", industry);
  row("Experience", field("experience_level"));
  if (number_of(r, "min_years") > 0)
    row("Years of experience", "at least " + field("min_years"));
  if (auto low = number_of(r, "salary_min"), high = number_of(r, "salary_max"); low > 0 || high > 0)
    row("Salary", salary_text(low, high));
  row("Posted", field("posted_date"));
  row("Apply by", field("deadline_date"));
  out += "</dl>\n";
  for (auto [key, heading] : {std::pair{"required_skills", "Skills"}, std::pair{"certifications", "Certifications"}}) {
    const auto* list = r.if_contains(key);
    if (list == nullptr || !list->is_array() || list->as_array().empty())
      continue;
    out += fmt::format("<h2>{}</h2>\n<ul>\n", heading);
    for (const auto& item : list->as_array())
      if (item.is_string())
        out += fmt::format("<li>{}</li>\n", escaped(item.as_string()));
    out += "</ul>\n";
  }
  out += fmt::format("<p class=\"id\">Posting {}</p>\n</article>\n</body>\n</html>\n", escaped(field("id")));
  return out;
}

}  // namespace jobmesh::net
