#include "actors/detail/job_outcome.hpp"

#include "actors/job_json.hpp"

#include <fmt/format.h>

namespace jobmesh::actors::detail {

void apply_results(storage::job_record& job, std::vector<storage::item_record>& items, batch_result& result,
                   std::int64_t now, actors::metrics* m, std::vector<std::int64_t>* touched) {
  if (m != nullptr) {
    std::int64_t ms = 0;
    for (const auto& r : result.items)
      ms += r.processing_time_ms;
    m->items_done(job.type, result.items.size(), static_cast<double>(ms) / 1000.0);
  }
  for (auto& r : result.items) {
    auto& item = items[static_cast<std::size_t>(r.index)];
    item.attempts += r.attempts;
    item.status = r.ok ? storage::item_status::done : storage::item_status::failed;
    item.error = std::move(r.error);
    item.processing_time_ms = r.processing_time_ms;
    item.result = std::move(r.result);
    item.updated_at = now;
    if (touched != nullptr)
      touched->push_back(r.index);
    ++(r.ok ? job.processed_items : job.failed_items);
  }
  job.updated_at = now;
}

bool too_many_failed(const storage::job_record& job) {
  if (job.failed_items == 0)
    return false;
  // As a share, not as a product: 29 failed of 100 at a ratio of 0.29 is exactly at it (29/100
  // rounds to the same double as 0.29), where 0.29 * 100 is 28.999999999999996 and failed it.
  return static_cast<double>(job.failed_items) / static_cast<double>(job.total_items) > job.max_failed_ratio;
}

std::string failure_summary(const storage::job_record& job, const std::vector<storage::item_record>& items) {
  constexpr std::size_t k_listed = 5;
  std::string out = fmt::format("{} of {} items failed", job.failed_items, job.total_items);
  std::size_t listed = 0;
  for (const auto& item : items) {
    if (item.status != storage::item_status::failed)
      continue;
    if (listed == k_listed) {
      out += "; ...";
      break;
    }
    out += fmt::format("{} item {} ({}): {}", listed++ == 0 ? ":" : ";", item.index, item.key, item.error);
  }
  return out;
}

void settle(storage::job_record& job, storage::job_status status, std::string reason, std::int64_t retention_days) {
  auto now = now_ms();
  job.status = status;
  job.error_message = std::move(reason);
  job.current_item.clear();
  job.completed_at = job.updated_at = now;
  job.expires_at = now + retention_days * 86'400'000;
}

void settle_by_items(storage::job_record& job, const std::vector<storage::item_record>& items,
                     std::int64_t retention_days) {
  auto status = too_many_failed(job) ? storage::job_status::failed : storage::job_status::completed;
  settle(job, status, job.failed_items > 0 ? failure_summary(job, items) : std::string{}, retention_days);
}

}  // namespace jobmesh::actors::detail
