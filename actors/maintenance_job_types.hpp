#pragma once
/// Maintenance job types (group `maintenance`, DESIGN.md "Job types shipped"):
/// - `expired-job-cleanup`: deletes finished jobs whose `expires_at` (their end plus
///   `jobs.retention_days`) has passed, with their items, `batch_size` jobs per item (each item
///   its own transaction, so the writer is never held long). Runs on the default schedule of
///   the same name, hourly. Its result per item: `{"deleted": n}`.

#include "actors/job_type.hpp"
#include "actors/storage_actors.hpp"

namespace jobmesh::actors {

/// What the maintenance types reach.
struct maintenance_job_context {
  caf::actor_system* system = nullptr;
  storage_reader_actor reader;
  storage_writer_actor writer;
};

/// Adds the maintenance types to `registry`.
void add_maintenance_job_types(job_type_registry& registry, maintenance_job_context ctx);

}  // namespace jobmesh::actors
