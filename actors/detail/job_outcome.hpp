#pragma once
// What a run's item results and its end do to a job and its items: shared by the runner (one
// job) and the batch (many quick jobs), so that both count, judge and word an end alike.

#include "actors/messages.hpp"
#include "actors/metrics.hpp"
#include "storage/job_record.hpp"

#include <string>
#include <vector>

namespace jobmesh::actors::detail {

/// Records `result` on `items` (items[i].index == i) and in the job's counts at `now`; each
/// item recorded is appended to `touched` when given. Items done go to `m`, when given.
void apply_results(storage::job_record& job, std::vector<storage::item_record>& items, batch_result& result,
                   std::int64_t now, actors::metrics* m, std::vector<std::int64_t>* touched);

/// API.md: a job whose items partly fail is `failed` only when their share exceeds its ratio.
bool too_many_failed(const storage::job_record& job);

/// "2 of 10 items failed: item 3 (http://a/x): HTTP 404 Not Found; item 7 (...): ...", the first few.
std::string failure_summary(const storage::job_record& job, const std::vector<storage::item_record>& items);

/// The job ends now as `status`, saying `reason`, kept `retention_days` from now.
void settle(storage::job_record& job, storage::job_status status, std::string reason, std::int64_t retention_days);

/// The job ends now as its items say: `completed`, or `failed` when too many of them failed;
/// either way naming the failed ones.
void settle_by_items(storage::job_record& job, const std::vector<storage::item_record>& items,
                     std::int64_t retention_days);

}  // namespace jobmesh::actors::detail
