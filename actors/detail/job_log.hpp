#pragma once
// One log line per job state change, in one format, so logs can be grepped by job id.

#include "storage/job_record.hpp"

namespace jobmesh::actors::detail {

/// Logs `job`'s move from `from` to its current status: at info, or at debug when `quiet` (a
/// quick job's, of which there may be tens of thousands a second); a failure always at warn.
void log_transition(const storage::job_record& job, storage::job_status from, bool quiet = false);

}  // namespace jobmesh::actors::detail
