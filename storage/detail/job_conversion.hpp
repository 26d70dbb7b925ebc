#pragma once
// SOCI's mapping of job_record and item_record to and from rows: the one place that knows the
// column names. Named parameters in the SQL constants match these names.

#include "storage/job_record.hpp"

#include <soci/soci.h>

namespace soci {

template <>
struct type_conversion<jobmesh::storage::job_record> {
  using base_type = values;
  static void from_base(const values& v, indicator ind, jobmesh::storage::job_record& out);
  static void to_base(const jobmesh::storage::job_record& in, values& v, indicator& ind);
};

template <>
struct type_conversion<jobmesh::storage::item_record> {
  using base_type = values;
  static void from_base(const values& v, indicator ind, jobmesh::storage::item_record& out);
  static void to_base(const jobmesh::storage::item_record& in, values& v, indicator& ind);
};

}  // namespace soci

namespace jobmesh::storage::detail {

/// The columns of `jobs`, in one list for SELECTs.
inline constexpr std::string_view k_job_columns =
    "id, type, user_id, status, priority, total_items, processed_items, failed_items, attempt, "
    "max_attempts, timeout_s, params, error_message, idempotency_key, current_item, job_group, depends_on, "
    "created_at, started_at, completed_at, updated_at, expires_at, run_after, heartbeat_at, max_failed_ratio, schedule";

/// The columns of `job_items`.
inline constexpr std::string_view k_item_columns =
    "job_id, idx, item_key, status, attempts, error, processing_time_ms, updated_at, result";

}  // namespace jobmesh::storage::detail
