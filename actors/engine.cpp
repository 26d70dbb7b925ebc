#include "actors/engine.hpp"

#include "actors/record_forms.hpp"

#include "storage/database.hpp"

#include <soci/soci.h>
#include <stdexcept>

namespace jobmesh::actors {

engine start_engine(caf::actor_system& sys, const config::settings& settings,
                    std::shared_ptr<soci::session> write_db, std::shared_ptr<soci::session> read_db,
                    std::shared_ptr<const job_type_registry> types, page_fetcher fetch, schedule_clock clock) {
  // Before any actor writes: the shards load the records' stored forms. On a session of its
  // own, closed after: its counts and reads fill a page cache, and the writer's (64 MiB) kept
  // them, ~70 MB more resident from a start that had nothing to prepare.
  auto stored = refresh_record_forms(*storage::open(settings.storage.db), match::normaliser{settings.matching.synonyms});
  engine e;
  e.metrics = std::make_shared<metrics>();
  e.writer = spawn_storage_writer(sys, std::move(write_db), static_cast<std::size_t>(settings.storage.batch_max),
                                  e.metrics);
  e.reader = spawn_storage_reader(sys, std::move(read_db));
  e.pool = spawn_worker_pool(sys, static_cast<std::size_t>(settings.jobs.workers));
  e.finished = std::make_shared<finished_jobs>(static_cast<std::size_t>(settings.jobs.finished_cache));
  e.hub = spawn_progress_hub(sys, e.finished);
  storage::open_options options{static_cast<int>(settings.storage.busy_timeout_ms)};
  e.records = spawn_record_reader(sys, storage::open(settings.storage.db, options));
  e.marketplace =
      spawn_marketplace(sys, settings.matching, settings.activity.tracking == "on", e.writer, e.records,
                        {static_cast<std::size_t>(stored.postings), static_cast<std::size_t>(stored.candidates)});
  e.activity = spawn_activity_tracker(sys, settings.activity, e.marketplace, e.writer, e.records);
  if (types) {
    e.types = std::move(types);
  } else {
    auto all = std::make_shared<job_type_registry>();
    add_test_job_types(*all, settings.jobs.max_items);
    add_matching_job_types(*all, {&sys, e.marketplace, e.writer, e.records, settings.matching, settings.imports,
                                  settings.jobs.max_items, std::move(fetch)});
    add_feed_job_types(*all, {&sys, e.marketplace, e.writer, e.records, settings.matching, settings.jobs.max_items});
    add_search_job_types(*all, {&sys, e.marketplace, e.writer});
    add_maintenance_job_types(*all, {&sys, e.reader, e.writer, e.records, e.activity, settings.jobs.max_items});
    e.types = std::move(all);
  }
  if (auto problem = e.types->check_dependencies()) {
    stop_engine(e);
    throw std::invalid_argument(*problem);
  }
  e.supervisor = spawn_job_supervisor(
      sys, runner_context{e.types, e.pool, e.writer, e.reader, e.hub, settings.jobs, e.metrics, e.finished});
  e.sweeper = spawn_stall_sweeper(sys, e.reader, e.supervisor, settings.jobs.stall_threshold_s,
                                  settings.jobs.stall_check_s);
  e.scheduler = spawn_scheduler(sys, {e.supervisor, e.reader, e.writer, e.types, settings.schedules.grace_s,
                                      std::move(clock)});
  return e;
}

void stop_engine(const engine& e) {
  // The supervisor first: its runners are its children and stop with it.
  caf::anon_send_exit(e.scheduler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e.sweeper, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e.supervisor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e.pool, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e.activity, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e.marketplace, caf::exit_reason::user_shutdown);  // its shards with it
  caf::anon_send_exit(e.records, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e.hub, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e.reader, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e.writer, caf::exit_reason::user_shutdown);
}

}  // namespace jobmesh::actors
