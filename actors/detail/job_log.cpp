#include "actors/detail/job_log.hpp"

#include <spdlog/spdlog.h>

namespace jobmesh::actors::detail {

void log_transition(const storage::job_record& job, storage::job_status from, bool quiet) {
  auto level = job.status == storage::job_status::failed ? spdlog::level::warn
               : quiet                                   ? spdlog::level::debug
                                                         : spdlog::level::info;
  if (!spdlog::should_log(level))
    return;
  spdlog::log(level, "job {} {} {} -> {} attempt {}/{} items {}/{} failed {}{}{}", job.id, job.type,
              storage::to_string(from), storage::to_string(job.status), job.attempt, job.max_attempts,
              job.processed_items, job.total_items, job.failed_items, job.error_message.empty() ? "" : ": ",
              job.error_message);
}

}  // namespace jobmesh::actors::detail
