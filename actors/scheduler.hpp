#pragma once
/// The scheduler: recurring jobs (API.md `schedules`). Each schedule names a 5-field cron
/// expression (UTC), a job type, its params and priority. When a due time comes the scheduler
/// submits one job carrying the schedule's name (`schedule`) and the idempotency key
/// "schedule:<name>:<due ms>", then stores the due time as handled. So each due time fires once
/// across restarts: a crash between the two writes makes the next start submit the same key,
/// which names the job already stored. A due time missed while the server was down fires once
/// at start when it is at most `schedules.grace_s` old; older ones are skipped and logged.
/// The default schedule `expired-job-cleanup` (hourly at :15) is created when absent.
///
/// (get_atom)                  -> vector<schedule_record>   every schedule, by name
/// (put_atom, schedule_record) -> schedule_record           validated, stored; a new or changed
///                                                          schedule starts from now
/// (tick_atom)                 -> vector<job_record>        fires what is due at the clock's now;
///                                                          answers with the jobs it submitted
/// (tick_atom, generation)        internal timer

#include "actors/job_supervisor.hpp"
#include "actors/storage_actors.hpp"
#include "storage/schedule_repository.hpp"

#include <functional>

namespace jobmesh::actors {

using scheduler_actor = caf::typed_actor<
    caf::replies_to<caf::get_atom>::with<std::vector<storage::schedule_record>>,
    caf::replies_to<caf::put_atom, storage::schedule_record>::with<storage::schedule_record>,
    caf::replies_to<tick_atom>::with<std::vector<storage::job_record>>,
    caf::reacts_to<tick_atom, std::int64_t>>;

/// Milliseconds since the Unix epoch, as the scheduler sees them.
using schedule_clock = std::function<std::int64_t()>;

/// The user that scheduled jobs belong to.
inline constexpr std::string_view k_scheduler_user = "scheduler";

struct scheduler_config {
  job_supervisor_actor supervisor;
  storage_reader_actor reader;
  storage_writer_actor writer;
  std::shared_ptr<const job_type_registry> types;
  std::int64_t grace_s = 3'600;
  /// Empty: the system clock, and timers wake the scheduler at each due time. Set (tests): this
  /// clock, and no timers: only (tick_atom) fires.
  schedule_clock clock;
};

/// The problem with `s` as a schedule (cron, type or params), naming the field, if any.
std::optional<std::pair<std::string, std::string>> schedule_problem(const job_type_registry& types,
                                                                    const storage::schedule_record& s);

/// Spawns the scheduler; it loads the stored schedules, fires what is due, then keeps time.
scheduler_actor spawn_scheduler(caf::actor_system& sys, scheduler_config config);

}  // namespace jobmesh::actors
