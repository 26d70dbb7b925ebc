#include "actors/job_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fmt/format.h>

namespace jobmesh::actors {

namespace {

boost::json::value time_or_null(std::int64_t ms) {
  if (ms <= 0)
    return nullptr;
  return boost::json::value(format_time(ms));
}

boost::json::value text_or_null(const std::string& s) {
  if (s.empty())
    return nullptr;
  return boost::json::value(s);
}

// params are stored as the JSON text the client sent (after validation); show them as JSON.
boost::json::value params_value(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return ec ? boost::json::value(boost::json::object{}) : v;
}


// Boost.JSON writes doubles in shortest form ("1E2" for 100): whole percentages go out as
// integers, the rest rounded to hundredths.
boost::json::value percentage(double p) {
  auto hundredths = std::llround(p * 100.0);
  if (hundredths % 100 == 0)
    return boost::json::value(hundredths / 100);
  return boost::json::value(static_cast<double>(hundredths) / 100.0);
}

// Linear extrapolation from the rate so far; null before any item is done.
boost::json::value estimate_completion(const storage::job_record& job, std::int64_t now) {
  auto done = job.processed_items + job.failed_items;
  if (job.status != storage::job_status::running || job.started_at <= 0 || done <= 0 || job.total_items <= done)
    return nullptr;
  double per_item = static_cast<double>(now - job.started_at) / static_cast<double>(done);
  auto remaining = static_cast<std::int64_t>(per_item * static_cast<double>(job.total_items - done));
  return boost::json::value(format_time(now + remaining));
}

}  // namespace

// Written by hand: gmtime_r takes a lock and reads the time zone, and events and replies
// format several times per job. Days to a civil date: Howard Hinnant's days_from_civil, inverted.
std::string format_time(std::int64_t ms) {
  auto days = ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
  auto in_day = ms - days * 86'400'000;
  auto z = days + 719'468;
  auto era = (z >= 0 ? z : z - 146'096) / 146'097;
  auto doe = z - era * 146'097;
  auto yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  auto doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  auto mp = (5 * doy + 2) / 153;
  auto day = doy - (153 * mp + 2) / 5 + 1;
  auto month = mp < 10 ? mp + 3 : mp - 9;
  auto year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[32];
  auto two = [&](int at, std::int64_t v) {
    buf[at] = static_cast<char>('0' + v / 10);
    buf[at + 1] = static_cast<char>('0' + v % 10);
  };
  if (year < 0 || year > 9999)
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month, day, in_day / 3'600'000,
                       in_day / 60'000 % 60, in_day / 1000 % 60, in_day % 1000);
  two(0, year / 100);
  two(2, year % 100);
  buf[4] = '-';
  two(5, month);
  buf[7] = '-';
  two(8, day);
  buf[10] = 'T';
  two(11, in_day / 3'600'000);
  buf[13] = ':';
  two(14, in_day / 60'000 % 60);
  buf[16] = ':';
  two(17, in_day / 1000 % 60);
  buf[19] = '.';
  buf[20] = static_cast<char>('0' + in_day % 1000 / 100);
  two(21, in_day % 100);
  buf[23] = 'Z';
  return std::string(buf, 24);
}

boost::json::object job_to_json(const storage::job_record& job) {
  boost::json::array depends_on;
  for (const auto& id : job.depends_on)
    depends_on.emplace_back(id);
  return {
      {"id", job.id},
      {"type", job.type},
      {"user_id", job.user_id},
      {"status", to_string(job.status)},
      {"priority", job.priority},
      {"total_items", job.total_items},
      {"processed_items", job.processed_items},
      {"failed_items", job.failed_items},
      {"progress_percentage", percentage(job.progress_percentage())},
      {"attempt", job.attempt},
      {"max_attempts", job.max_attempts},
      {"timeout_s", job.timeout_s},
      {"max_failed_ratio", whole_or_fraction(job.max_failed_ratio)},
      {"params", params_value(job.params)},
      {"error_message", text_or_null(job.error_message)},
      {"idempotency_key", text_or_null(job.idempotency_key)},
      {"created_at", time_or_null(job.created_at)},
      {"started_at", time_or_null(job.started_at)},
      {"completed_at", time_or_null(job.completed_at)},
      {"updated_at", time_or_null(job.updated_at)},
      {"expires_at", time_or_null(job.expires_at)},
      {"run_after", time_or_null(job.run_after)},
      {"depends_on", std::move(depends_on)},
      {"group", text_or_null(job.group)},
      {"schedule", text_or_null(job.schedule)},
  };
}

namespace {

class job_writer {
public:
  explicit job_writer(std::string& out) : out_(out) {}

  void key(std::string_view k) {
    out_ += first_ ? '{' : ',';
    first_ = false;
    append_json_string(out_, k);
    out_ += ':';
  }
  void integer(std::string_view k, std::int64_t v) {
    key(k);
    fmt::format_to(std::back_inserter(out_), "{}", v);
  }
  void text(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(out_, v);
  }
  void text_or_null(std::string_view k, const std::string& v) {
    if (v.empty())
      return null(k);
    text(k, v);
  }
  void time(std::string_view k, std::int64_t ms) {
    if (ms <= 0)
      return null(k);
    text(k, format_time(ms));
  }
  void value(std::string_view k, const boost::json::value& v) {
    key(k);
    append_json(out_, v);
  }
  void null(std::string_view k) {
    key(k);
    out_ += "null";
  }
  void raw(std::string_view k, std::string_view json) {
    key(k);
    out_ += json;
  }
  void close() { out_ += first_ ? "{}" : "}"; }

private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace

void append_job_json(std::string& out, const storage::job_record& job) {
  job_writer w{out};
  w.text("id", job.id);
  w.text("type", job.type);
  w.text("user_id", job.user_id);
  w.text("status", to_string(job.status));
  w.integer("priority", job.priority);
  w.integer("total_items", job.total_items);
  w.integer("processed_items", job.processed_items);
  w.integer("failed_items", job.failed_items);
  w.value("progress_percentage", percentage(job.progress_percentage()));
  w.integer("attempt", job.attempt);
  w.integer("max_attempts", job.max_attempts);
  w.integer("timeout_s", job.timeout_s);
  w.value("max_failed_ratio", whole_or_fraction(job.max_failed_ratio));
  if (job.params == "{}")
    w.raw("params", "{}");  // most jobs: no need to parse it
  else
    w.value("params", params_value(job.params));
  w.text_or_null("error_message", job.error_message);
  w.text_or_null("idempotency_key", job.idempotency_key);
  w.time("created_at", job.created_at);
  w.time("started_at", job.started_at);
  w.time("completed_at", job.completed_at);
  w.time("updated_at", job.updated_at);
  w.time("expires_at", job.expires_at);
  w.time("run_after", job.run_after);
  w.key("depends_on");
  out += '[';
  for (std::size_t i = 0; i < job.depends_on.size(); ++i) {
    if (i > 0)
      out += ',';
    append_json_string(out, job.depends_on[i]);
  }
  out += ']';
  w.text_or_null("group", job.group);
  w.text_or_null("schedule", job.schedule);
  w.close();
}

std::string job_json_text(const storage::job_record& job) {
  std::string out;
  out.reserve(640);
  append_job_json(out, job);
  return out;
}

boost::json::object progress_to_json(const storage::job_record& job, std::int64_t now) {
  return {
      {"job_id", job.id},
      {"status", to_string(job.status)},
      {"progress_percentage", percentage(job.progress_percentage())},
      {"processed_items", job.processed_items},
      {"failed_items", job.failed_items},
      {"total_items", job.total_items},
      {"current_item", text_or_null(job.current_item)},
      {"estimated_completion_time", estimate_completion(job, now)},
      {"last_updated", time_or_null(job.updated_at)},
  };
}

boost::json::object item_to_json(const storage::item_record& item) {
  return {
      {"index", item.index},
      {"key", item.key},
      {"status", to_string(item.status)},
      {"attempts", item.attempts},
      {"error", text_or_null(item.error)},
      {"processing_time_ms", item.processing_time_ms},
      {"updated_at", time_or_null(item.updated_at)},
  };
}

boost::json::value whole_or_fraction(double x) {
  if (x == std::floor(x))
    return boost::json::value(static_cast<std::int64_t>(x));
  return boost::json::value(x);
}


}  // namespace jobmesh::actors
