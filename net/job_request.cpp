#include "net/job_request.hpp"

#include "actors/job_id.hpp"
#include "match/json_keys.hpp"

#include <charconv>
#include <fmt/format.h>
#include <simdjson.h>

namespace jobmesh::net {

namespace {

constexpr std::int64_t k_max_priority = 100;
constexpr std::int64_t k_max_attempts = 100;
constexpr std::int64_t k_max_timeout_s = 7 * 86'400;
constexpr std::size_t k_max_type_length = 64;
constexpr std::size_t k_max_key_length = 255;
constexpr int k_max_job_page = 500;

using spec_result = std::variant<actors::job_spec, field_error>;

std::optional<field_error> read_int(simdjson::dom::element v, const char* field, std::int64_t lo, std::int64_t hi,
                                    std::int64_t& out) {
  std::int64_t n = 0;
  if (v.get_int64().get(n) || n < lo || n > hi)
    return field_error{field, fmt::format("{} must be an integer in [{}, {}]", field, lo, hi)};
  out = n;
  return std::nullopt;
}

std::optional<field_error> read_priority(simdjson::dom::element v, std::int64_t& out) {
  std::string_view name;
  if (v.get_string().get(name))
    return read_int(v, "priority", -k_max_priority, k_max_priority, out);
  if (name == "high")
    out = 10;
  else if (name == "normal")
    out = 0;
  else if (name == "low")
    out = -10;
  else
    return field_error{"priority", "priority must be \"high\", \"normal\", \"low\" or an integer in [-100, 100]"};
  return std::nullopt;
}

std::optional<field_error> read_type(simdjson::dom::element v, std::string& out) {
  std::string_view type;
  if (v.get_string().get(type) || type.empty() || type.size() > k_max_type_length)
    return field_error{"type", "type must be a job type name (a non-empty string)"};
  out = type;
  return std::nullopt;
}

std::optional<field_error> read_dependencies(simdjson::dom::element v, std::vector<std::string>& out) {
  simdjson::dom::array ids;
  if (v.get_array().get(ids))
    return field_error{"depends_on", "depends_on must be an array of job ids"};
  for (auto id : ids) {
    std::string_view text;
    if (id.get_string().get(text) || !actors::is_job_id(text))
      return field_error{"depends_on", fmt::format("depends_on: {} is not a job id", simdjson::minify(id))};
    if (std::find(out.begin(), out.end(), text) == out.end())
      out.emplace_back(text);
  }
  return std::nullopt;
}

std::optional<field_error> read_field(std::string_view key, simdjson::dom::element v, actors::job_spec& spec) {
  if (key == "type")
    return read_type(v, spec.type);
  if (key == "params") {
    if (!v.is_object())
      return field_error{"params", "params must be a JSON object"};
    spec.params = simdjson::minify(v);
    return std::nullopt;
  }
  if (key == "priority")
    return read_priority(v, spec.priority);
  if (key == "max_attempts")
    return read_int(v, "max_attempts", 1, k_max_attempts, spec.max_attempts);
  if (key == "timeout_s")
    return read_int(v, "timeout_s", 1, k_max_timeout_s, spec.timeout_s);
  if (key == "max_failed_ratio") {
    double ratio = -1;
    if (v.get_double().get(ratio) || ratio < 0 || ratio > 1)
      return field_error{"max_failed_ratio", "max_failed_ratio must be a number in [0, 1]"};
    spec.max_failed_ratio = ratio;
    return std::nullopt;
  }
  if (key == "depends_on")
    return read_dependencies(v, spec.depends_on);
  if (key == "idempotency_key") {
    std::string_view k;
    if (v.get_string().get(k) || k.empty() || k.size() > k_max_key_length)
      return field_error{"idempotency_key", "idempotency_key must be a string of 1 to 255 characters"};
    spec.idempotency_key = k;
    return std::nullopt;
  }
  return field_error{std::string{key}, fmt::format("unknown field '{}'", key)};
}

std::optional<field_error> read_limit(const std::map<std::string, std::string>& q, int& out) {
  auto it = q.find("limit");
  if (it == q.end())
    return std::nullopt;
  int n = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc{} || end != it->second.data() + it->second.size() || n < 1 || n > k_max_job_page)
    return field_error{"limit", fmt::format("limit must be an integer in [1, {}]", k_max_job_page)};
  out = n;
  return std::nullopt;
}

std::string query_value(const std::map<std::string, std::string>& q, const char* key) {
  auto it = q.find(key);
  return it == q.end() ? std::string{} : it->second;
}

spec_result parse_with(simdjson::dom::parser& parser, std::string_view body) {
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size(), true).get(doc))
    return field_error{"", fmt::format("the body is not valid JSON: {}", match::json_problem(err))};
  if (auto twice = match::first_duplicate_key(doc))
    return field_error{*twice, match::duplicate_key_message(*twice)};
  simdjson::dom::object obj;
  if (doc.get_object().get(obj))
    return field_error{"", "the body must be a JSON object"};
  actors::job_spec spec;
  for (auto [key, value] : obj)
    if (auto e = read_field(key, value, spec))
      return *e;
  if (spec.type.empty())
    return field_error{"type", "type is required"};
  return spec;
}

}  // namespace

spec_result parse_job_spec(std::string_view body) {
  simdjson::dom::parser parser;
  return parse_with(parser, body);
}

std::variant<spec_lines, field_error> parse_job_specs(std::string_view ndjson) {
  simdjson::dom::parser parser;  // one parser (and its buffers) for every line
  spec_lines out;
  std::int64_t line = 0;
  std::size_t pos = 0;
  while (pos < ndjson.size()) {
    auto eol = ndjson.find('\n', pos);
    auto text = ndjson.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? ndjson.size() : eol + 1;
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    if (out.specs.size() + out.rejected.size() == k_max_bulk_jobs)
      return field_error{"", fmt::format("at most {} jobs per request", k_max_bulk_jobs)};
    auto parsed = parse_with(parser, text);
    if (auto* e = std::get_if<field_error>(&parsed)) {
      out.rejected.push_back({line, std::move(e->field), std::move(e->message)});
      continue;
    }
    out.specs.push_back(std::get<actors::job_spec>(std::move(parsed)));
    out.lines.push_back(line);
  }
  if (out.specs.empty() && out.rejected.empty())
    return field_error{"", "the body holds no job (NDJSON: one JSON object per line)"};
  return out;
}

std::variant<storage::job_filter, field_error> parse_job_filter(const std::map<std::string, std::string>& query) {
  storage::job_filter f;
  f.status = query_value(query, "status");
  if (!f.status.empty() && !storage::parse_job_status(f.status))
    return field_error{"status", "status must be one of queued, running, completed, failed, cancelled"};
  f.type = query_value(query, "type");
  f.user_id = query_value(query, "user");
  f.after = query_value(query, "after");
  // A cursor is the id of the last job of a page: anything else would page from nowhere (an id
  // of other letters sorts after or before every job, so the page was everything or nothing).
  if (!f.after.empty() && !actors::is_job_id(f.after))
    return field_error{"after", "after must be a job id (the next_after of the page before)"};
  if (auto e = read_limit(query, f.limit))
    return *e;
  return f;
}

std::variant<storage::item_filter, field_error> parse_item_filter(const std::string& job_id,
                                                                  const std::map<std::string, std::string>& query) {
  storage::item_filter f;
  f.job_id = job_id;
  if (auto status = query_value(query, "status"); !status.empty()) {
    f.status = storage::parse_item_status(status);
    if (!f.status)
      return field_error{"status", "status must be one of pending, done, failed"};
  }
  if (auto after = query_value(query, "after"); !after.empty()) {
    auto [end, ec] = std::from_chars(after.data(), after.data() + after.size(), f.after);
    if (ec != std::errc{} || end != after.data() + after.size() || f.after < 0)
      return field_error{"after", "after must be an item index (a non-negative integer)"};
  }
  if (auto e = read_limit(query, f.limit))
    return *e;
  return f;
}

}  // namespace jobmesh::net
