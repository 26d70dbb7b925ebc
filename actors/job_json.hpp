#pragma once
/// The JSON shapes of API.md for jobs: the job object, its progress object and an item. One
/// mapping, used by the HTTP replies and by the events the progress hub sends.

#include "actors/json_text.hpp"
#include "storage/clock.hpp"
#include "storage/job_record.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

namespace jobmesh::actors {

/// Milliseconds since the epoch -> "2026-11-22T09:21:08.123Z"; 0 -> null in JSON objects.
std::string format_time(std::int64_t ms);

/// Now, in milliseconds since the epoch (as stored).
using storage::now_ms;

/// API.md's job object.
boost::json::object job_to_json(const storage::job_record& job);

/// json_text(job_to_json(job)), written straight from the record (no JSON object built): for
/// replies, events and the paths that write many jobs.
std::string job_json_text(const storage::job_record& job);

/// Appends job_json_text(job) to `out`.
void append_job_json(std::string& out, const storage::job_record& job);

/// API.md's progress object; `now` dates the completion estimate.
boost::json::object progress_to_json(const storage::job_record& job, std::int64_t now);

/// One item: index, key, status, attempts, error, processing_time_ms, updated_at.
boost::json::object item_to_json(const storage::item_record& item);

/// A whole number as an integer, others as a double (Boost.JSON would write 0.0 as "0E0").
boost::json::value whole_or_fraction(double x);

}  // namespace jobmesh::actors
