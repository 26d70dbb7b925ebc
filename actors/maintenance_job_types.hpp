#pragma once
/// Maintenance job types (group `maintenance`, DESIGN.md "Job types shipped"):
/// - `expired-job-cleanup`: deletes finished jobs whose `expires_at` (their end plus
///   `jobs.retention_days`) has passed, with their items, `batch_size` jobs per item (each item
///   its own transaction, so the writer is never held long). Runs on the default schedule of
///   the same name, hourly. Its result per item: `{"deleted": n}`.
/// - `stats-reconcile`: recounts each candidate's activity aggregates (decayed engagement sum,
///   reviews, stars, postings reviewed) from every stored event and compares them with what the
///   activity tracker holds and with the effect the matcher shards rank with; reports every
///   difference and, with `repair` (default), puts it right. An item is a batch of candidates
///   (those with stored events or tracker totals, or `candidate_ids`); its result:
///   `{"checked","events","drifted","score","repaired","drift":[{"candidate_id","where","field",
///   "held","recounted"}]}` (the first 20), ranked by `drifted`.
/// - `orphan-cleanup`: deletes the rows that name a deleted candidate or posting (activity,
///   match results, affinity, feeds, trending postings, skill index; storage/orphan_repository)
///   `batch_size` records per transaction; an item is a table, its result
///   `{"table","rows","records","sample"}`. With `dry_run` it only counts. Removed activity is
///   then recounted (stats-reconcile's repair), so the tracker and the shards forget it too.
///   Activity naming a deleted posting stays: it is the candidate's history.

#include "actors/activity_tracker.hpp"
#include "actors/job_type.hpp"
#include "actors/record_reader.hpp"
#include "actors/storage_actors.hpp"

namespace jobmesh::actors {

/// What the maintenance types reach.
struct maintenance_job_context {
  caf::actor_system* system = nullptr;
  storage_reader_actor reader;
  storage_writer_actor writer;
  record_reader_actor records;
  activity_tracker_actor activity;
  std::int64_t max_items = 1'000'000;  ///< jobs.max_items: candidate_ids at most
};

/// Adds the maintenance types to `registry`.
void add_maintenance_job_types(job_type_registry& registry, maintenance_job_context ctx);

}  // namespace jobmesh::actors
