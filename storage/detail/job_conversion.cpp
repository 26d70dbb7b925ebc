#include "storage/detail/job_conversion.hpp"

#include <stdexcept>

namespace soci {

namespace {

using namespace jobmesh::storage;

// SOCI binds 64-bit integers as long long; our fields are std::int64_t (long on LP64).
long long ll(std::int64_t x) {
  return static_cast<long long>(x);
}

std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids)
    out += (out.empty() ? "" : ",") + id;
  return out;
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto comma = text.find(',', pos);
    out.push_back(text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    pos = comma == std::string::npos ? text.size() : comma + 1;
  }
  return out;
}

template <class Enum>
Enum status_column(const values& v, std::optional<Enum> (*parse)(std::string_view)) {
  auto text = v.get<std::string>("status");
  auto parsed = parse(text);
  if (!parsed)
    throw std::runtime_error("stored status '" + text + "' is unknown");
  return *parsed;
}

}  // namespace

void type_conversion<job_record>::from_base(const values& v, indicator, job_record& out) {
  out.id = v.get<std::string>("id");
  out.type = v.get<std::string>("type");
  out.user_id = v.get<std::string>("user_id");
  out.status = status_column<job_status>(v, &parse_job_status);
  out.priority = v.get<long long>("priority");
  out.total_items = v.get<long long>("total_items");
  out.processed_items = v.get<long long>("processed_items");
  out.failed_items = v.get<long long>("failed_items");
  out.attempt = v.get<long long>("attempt");
  out.max_attempts = v.get<long long>("max_attempts");
  out.timeout_s = v.get<long long>("timeout_s");
  out.params = v.get<std::string>("params");
  out.error_message = v.get<std::string>("error_message");
  out.idempotency_key = v.get<std::string>("idempotency_key");
  out.current_item = v.get<std::string>("current_item");
  out.group = v.get<std::string>("job_group");
  out.depends_on = split_ids(v.get<std::string>("depends_on"));
  out.created_at = v.get<long long>("created_at");
  out.started_at = v.get<long long>("started_at");
  out.completed_at = v.get<long long>("completed_at");
  out.updated_at = v.get<long long>("updated_at");
  out.expires_at = v.get<long long>("expires_at");
  out.run_after = v.get<long long>("run_after");
  out.heartbeat_at = v.get<long long>("heartbeat_at");
  out.max_failed_ratio = v.get<double>("max_failed_ratio");
  out.schedule = v.get<std::string>("schedule");
}

void type_conversion<job_record>::to_base(const job_record& in, values& v, indicator& ind) {
  v.set("id", in.id);
  v.set("type", in.type);
  v.set("user_id", in.user_id);
  v.set("status", std::string{to_string(in.status)});
  v.set("priority", ll(in.priority));
  v.set("total_items", ll(in.total_items));
  v.set("processed_items", ll(in.processed_items));
  v.set("failed_items", ll(in.failed_items));
  v.set("attempt", ll(in.attempt));
  v.set("max_attempts", ll(in.max_attempts));
  v.set("timeout_s", ll(in.timeout_s));
  v.set("params", in.params);
  v.set("error_message", in.error_message);
  v.set("idempotency_key", in.idempotency_key);
  v.set("current_item", in.current_item);
  v.set("job_group", in.group);
  v.set("depends_on", join_ids(in.depends_on));
  v.set("created_at", ll(in.created_at));
  v.set("started_at", ll(in.started_at));
  v.set("completed_at", ll(in.completed_at));
  v.set("updated_at", ll(in.updated_at));
  v.set("expires_at", ll(in.expires_at));
  v.set("run_after", ll(in.run_after));
  v.set("heartbeat_at", ll(in.heartbeat_at));
  v.set("max_failed_ratio", in.max_failed_ratio);
  v.set("schedule", in.schedule);
  ind = i_ok;
}

void type_conversion<item_record>::from_base(const values& v, indicator, item_record& out) {
  out.job_id = v.get<std::string>("job_id");
  out.index = v.get<long long>("idx");
  out.key = v.get<std::string>("item_key");
  out.status = status_column<item_status>(v, &parse_item_status);
  out.attempts = v.get<long long>("attempts");
  out.error = v.get<std::string>("error");
  out.processing_time_ms = v.get<long long>("processing_time_ms");
  out.updated_at = v.get<long long>("updated_at");
  out.result = v.get<std::string>("result");
}

void type_conversion<item_record>::to_base(const item_record& in, values& v, indicator& ind) {
  v.set("job_id", in.job_id);
  v.set("idx", ll(in.index));
  v.set("item_key", in.key);
  v.set("status", std::string{to_string(in.status)});
  v.set("attempts", ll(in.attempts));
  v.set("error", in.error);
  v.set("processing_time_ms", ll(in.processing_time_ms));
  v.set("updated_at", ll(in.updated_at));
  v.set("result", in.result);
  ind = i_ok;
}

}  // namespace soci
