#pragma once
/// The engine assembled: storage actors, worker pool, progress hub and job supervisor, started
/// together and stopped together. The network layer talks to the supervisor and the hub only.

#include "actors/activity_tracker.hpp"
#include "actors/feed_job_types.hpp"
#include "actors/job_supervisor.hpp"
#include "actors/scheduler.hpp"
#include "actors/search_job_types.hpp"
#include "actors/stall_sweeper.hpp"
#include "actors/marketplace.hpp"
#include "actors/maintenance_job_types.hpp"
#include "actors/matching_job_types.hpp"
#include "config/settings.hpp"

#include <memory>

namespace soci {
class session;
}

namespace jobmesh::actors {

/// Handles to the engine's long-lived actors.
struct engine {
  job_supervisor_actor supervisor;
  stall_sweeper_actor sweeper;
  scheduler_actor scheduler;
  progress_hub_actor hub;
  storage_reader_actor reader;
  storage_writer_actor writer;
  worker_pool_actor pool;
  record_reader_actor records;
  marketplace_actor marketplace;
  activity_tracker_actor activity;
  std::shared_ptr<const job_type_registry> types;
  std::shared_ptr<actors::metrics> metrics;  ///< what the engine counts; the gateway adds its own
  std::shared_ptr<finished_jobs> finished;   ///< jobs that ended lately, for reads on any thread
};

/// Starts the engine over two open sessions of the same database (one to write, one to read),
/// which it then owns, plus one it opens for reading records. First makes the stored records'
/// forms whole (record_forms.hpp). `types` defaults to every type
/// this build ships: the test types and the marketplace's, `import-postings` only with a
/// `fetch` (the network layer provides it), and the maintenance types. `clock` (tests) replaces
/// the scheduler's clock and timers (see scheduler.hpp). Throws std::invalid_argument when the types'
/// dependencies name an unknown type or form a cycle (nothing is left running then).
engine start_engine(caf::actor_system& sys, const config::settings& settings,
                    std::shared_ptr<soci::session> write_db, std::shared_ptr<soci::session> read_db,
                    std::shared_ptr<const job_type_registry> types = nullptr, page_fetcher fetch = {},
                    schedule_clock clock = {});

/// Asks every engine actor to stop; `sys.await_all_actors_done()` then waits for them.
void stop_engine(const engine& e);

}  // namespace jobmesh::actors
