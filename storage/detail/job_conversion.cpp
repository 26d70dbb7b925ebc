#include "storage/detail/job_conversion.hpp"

#include <stdexcept>

namespace {

// depends_on is stored as comma-separated ids (an id never holds a comma).
std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty())
      out += ',';
    out += id;
  }
  return out;
}

}  // namespace

namespace soci {

namespace {

using namespace jobmesh::storage;

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

}  // namespace soci

namespace jobmesh::storage::detail {

void set_updated_columns(job_row& row, const job_record& job) {
  row.status = to_string(job.status);
  row.priority = job.priority;
  row.total_items = job.total_items;
  row.processed_items = job.processed_items;
  row.failed_items = job.failed_items;
  row.attempt = job.attempt;
  row.max_attempts = job.max_attempts;
  row.error_message = job.error_message;
  row.current_item = job.current_item;
  row.started_at = job.started_at;
  row.completed_at = job.completed_at;
  row.updated_at = job.updated_at;
  row.expires_at = job.expires_at;
  row.run_after = job.run_after;
  row.heartbeat_at = job.heartbeat_at;
}

void set_row(job_row& row, const job_record& job) {
  row.id = job.id;
  row.type = job.type;
  row.user_id = job.user_id;
  row.timeout_s = job.timeout_s;
  row.params = job.params;
  row.idempotency_key = job.idempotency_key;
  row.job_group = job.group;
  row.depends_on = join_ids(job.depends_on);
  row.created_at = job.created_at;
  row.max_failed_ratio = job.max_failed_ratio;
  row.schedule = job.schedule;
  row.single_item.clear();
  set_updated_columns(row, job);
}

void set_row(item_row& row, const item_record& item) {
  row.job_id = item.job_id;
  row.idx = item.index;
  row.item_key = item.key;
  row.status = to_string(item.status);
  row.attempts = item.attempts;
  row.error = item.error;
  row.processing_time_ms = item.processing_time_ms;
  row.updated_at = item.updated_at;
  row.result = item.result;
}

const std::string& job_columns() {
  static const std::string columns = column_list<job_row>();
  return columns;
}

const std::string& item_columns() {
  static const std::string columns = column_list<item_row>();
  return columns;
}

}  // namespace jobmesh::storage::detail
