#include "net/activity_request.hpp"

#include "match/engagement.hpp"
#include "match/json_keys.hpp"

#include <charconv>
#include <chrono>
#include <fmt/format.h>
#include <simdjson.h>

namespace jobmesh::net {

namespace {

constexpr std::int64_t k_future_slack_ms = 60'000;

bool is_record_id(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '-'))
      return false;
  return true;
}

bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
  if (at + n > text.size())
    return false;
  auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + n, out);
  return ec == std::errc{} && end == text.data() + at + n;
}

// One event: a line error (field, message), or the row.
std::variant<storage::activity_row, std::pair<std::string, std::string>> read_event(simdjson::dom::element doc,
                                                                                     std::int64_t now_ms) {
  using problem = std::pair<std::string, std::string>;
  if (auto twice = match::first_duplicate_key(doc))
    return problem{*twice, match::duplicate_key_message(*twice)};
  simdjson::dom::object obj;
  if (doc.get_object().get(obj))
    return problem{"", "an event is a JSON object"};
  storage::activity_row row;
  row.received_at = now_ms;
  row.at = now_ms;
  bool has_value = false;
  for (auto [key, value] : obj) {
    if (key == "candidate_id" || key == "posting_id" || key == "kind") {
      std::string_view text;
      if (value.get_string().get(text))
        return problem{std::string{key}, fmt::format("{} must be a string", key)};
      if (key == "kind")
        row.kind = std::string{text};
      else if (!is_record_id(text))
        return problem{std::string{key}, fmt::format("{} must be 1 to 64 characters of [A-Za-z0-9_.:-]", key)};
      else
        (key == "candidate_id" ? row.candidate_id : row.posting_id) = std::string{text};
    } else if (key == "at") {
      std::string_view text;
      std::optional<std::int64_t> at;
      if (!value.get_string().get(text))
        at = parse_utc_time(text);
      if (!at)
        return problem{"at", "at must be an RFC 3339 UTC time such as 2026-12-02T10:15:30Z"};
      if (*at > now_ms + k_future_slack_ms)
        return problem{"at", "at is in the future"};
      row.at = *at;
    } else if (key == "value") {
      double v = 0;
      if (value.get_double().get(v))
        return problem{"value", "value must be a number"};
      row.value = v;
      has_value = true;
    } else {
      return problem{std::string{key}, fmt::format("unknown field '{}'", key)};
    }
  }
  if (row.candidate_id.empty())
    return problem{"candidate_id", "candidate_id is required"};
  match::activity_kind kind{};
  if (!match::parse_activity_kind(row.kind, kind))
    return problem{"kind", "kind must be one of login, session_end, view, apply, review"};
  bool about_posting = kind == match::activity_kind::view || kind == match::activity_kind::apply;
  if (about_posting && row.posting_id.empty())
    return problem{"posting_id", fmt::format("a {} names its posting_id", row.kind)};
  if (!about_posting && kind != match::activity_kind::review && !row.posting_id.empty())
    return problem{"posting_id", fmt::format("a {} has no posting_id", row.kind)};
  if (kind == match::activity_kind::session_end && (!has_value || row.value <= 0 || row.value > 86'400))
    return problem{"value", "a session_end's value is its length in seconds, 0 < value <= 86400"};
  if (kind == match::activity_kind::review &&
      (!has_value || row.value < 1 || row.value > 5 || row.value != static_cast<double>(static_cast<int>(row.value))))
    return problem{"value", "a review's value is its stars, a whole number from 1 to 5"};
  if (has_value && kind != match::activity_kind::session_end && kind != match::activity_kind::review)
    return problem{"value", fmt::format("a {} has no value", row.kind)};
  return row;
}

}  // namespace

std::optional<std::int64_t> parse_utc_time(std::string_view t) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (t.size() < 20 || !digits(t, 0, 4, y) || t[4] != '-' || !digits(t, 5, 2, mo) || t[7] != '-' ||
      !digits(t, 8, 2, d) || (t[10] != 'T' && t[10] != 't') || !digits(t, 11, 2, h) || t[13] != ':' ||
      !digits(t, 14, 2, mi) || t[16] != ':' || !digits(t, 17, 2, s))
    return std::nullopt;
  std::size_t at = 19;
  int ms = 0;
  if (t[at] == '.') {
    std::size_t start = ++at;
    while (at < t.size() && std::isdigit(static_cast<unsigned char>(t[at])))
      ++at;
    if (at == start)
      return std::nullopt;
    int frac = 0;
    digits(t, start, std::min<std::size_t>(3, at - start), frac);
    for (auto n = at - start; n < 3; ++n)
      frac *= 10;
    ms = frac;
  }
  if (at + 1 != t.size() || (t[at] != 'Z' && t[at] != 'z'))
    return std::nullopt;
  using namespace std::chrono;
  year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  auto tp = sys_days{date} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

std::variant<activity_lines, field_error> parse_activity(std::string_view body, bool ndjson, std::int64_t now_ms) {
  activity_lines out;
  simdjson::dom::parser parser;
  std::int64_t line_no = 0;
  std::size_t events = 0;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto eol = ndjson ? body.find('\n', pos) : std::string_view::npos;
    auto line = body.substr(pos, eol == std::string_view::npos ? body.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? body.size() : eol + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    if (++events > k_max_activity_events)
      return field_error{"", fmt::format("at most {} events per request", k_max_activity_events)};
    simdjson::dom::element doc;
    if (auto err = parser.parse(line.data(), line.size(), true).get(doc)) {
      out.rejected.push_back({line_no, "", fmt::format("not valid JSON: {}", match::json_problem(err))});
      continue;
    }
    auto event = read_event(doc, now_ms);
    if (auto* bad = std::get_if<std::pair<std::string, std::string>>(&event))
      out.rejected.push_back({line_no, bad->first, bad->second});
    else {
      out.events.push_back(std::get<storage::activity_row>(std::move(event)));
      out.lines.push_back(line_no);
    }
  }
  if (events == 0)
    return field_error{"", ndjson ? "the body holds no event" : "the body must be one event as a JSON object"};
  return out;
}

}  // namespace jobmesh::net
