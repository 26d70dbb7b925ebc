#pragma once
// SOCI's mapping of job_record and item_record to and from rows: the one place that knows the
// column names. Rows are read through soci::values (by column name) and written through the
// described job_row and item_row, bound once per statement.

#include "storage/detail/row_binding.hpp"
#include "storage/job_record.hpp"

#include <boost/describe/class.hpp>

#include <soci/soci.h>

namespace soci {

template <>
struct type_conversion<jobmesh::storage::job_record> {
  using base_type = values;
  static void from_base(const values& v, indicator ind, jobmesh::storage::job_record& out);
};

template <>
struct type_conversion<jobmesh::storage::item_record> {
  using base_type = values;
  static void from_base(const values& v, indicator ind, jobmesh::storage::item_record& out);
};

}  // namespace soci

namespace jobmesh::storage::detail {

/// One row of `jobs` as written: members named after the columns, in the table's order. Every
/// column list of `jobs` is derived from this description (row_binding.hpp).
struct job_row {
  std::string id, type, user_id, status;
  long long priority = 0, total_items = 0, processed_items = 0, failed_items = 0, attempt = 0, max_attempts = 0,
            timeout_s = 0;
  std::string params, error_message, idempotency_key, current_item, job_group, depends_on;
  long long created_at = 0, started_at = 0, completed_at = 0, updated_at = 0, expires_at = 0, run_after = 0,
            heartbeat_at = 0;
  double max_failed_ratio = 0;
  std::string schedule;
  std::string single_item;  ///< not a job_record member: set_row empties it (write_batch::single_items)
};
BOOST_DESCRIBE_STRUCT(job_row, (), (id, type, user_id, status, priority, total_items, processed_items, failed_items,
                                    attempt, max_attempts, timeout_s, params, error_message, idempotency_key,
                                    current_item, job_group, depends_on, created_at, started_at, completed_at,
                                    updated_at, expires_at, run_after, heartbeat_at, max_failed_ratio, schedule,
                                    single_item))

/// One row of `job_items` as written.
struct item_row {
  std::string job_id;
  long long idx = 0;
  std::string item_key, status;
  long long attempts = 0;
  std::string error;
  long long processing_time_ms = 0, updated_at = 0;
  std::string result;
};
BOOST_DESCRIBE_STRUCT(item_row, (), (job_id, idx, item_key, status, attempts, error, processing_time_ms, updated_at,
                                     result))

/// Sets every column of `row` from `job` (reusing the row's strings' storage).
void set_row(job_row& row, const job_record& job);
/// Sets the columns a job's update writes (job_repository.cpp's k_update_job): what a job
/// inserted and updated in one commit takes from its update, the rest being its insert's.
void set_updated_columns(job_row& row, const job_record& job);
void set_row(item_row& row, const item_record& item);

/// The columns of `jobs`, in one list for SELECTs.
const std::string& job_columns();

/// The columns of `job_items`.
const std::string& item_columns();

}  // namespace jobmesh::storage::detail
