#include "actors/detail/job_log.hpp"

#include <spdlog/spdlog.h>

namespace jobmesh::actors::detail {

void log_transition(const storage::job_record& job, storage::job_status from) {
  auto level = job.status == storage::job_status::failed ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "job {} {} {} -> {} attempt {}/{} items {}/{} failed {}{}{}", job.id, job.type,
              storage::to_string(from), storage::to_string(job.status), job.attempt, job.max_attempts,
              job.processed_items, job.total_items, job.failed_items, job.error_message.empty() ? "" : ": ",
              job.error_message);
}

}  // namespace jobmesh::actors::detail
