#pragma once
/// Recurring jobs in SQL (API.md `schedules`): one row per schedule, upserted by name. A
/// schedule remembers the latest due time it handled (`last_due_at`), so each due time fires
/// once across restarts (the job it makes carries an idempotency key naming the due time).

#include <cstdint>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace jobmesh::storage {

/// One row of `schedules`. Times are milliseconds since the Unix epoch.
struct schedule_record {
  std::string name;
  std::string cron;        ///< 5-field cron expression, UTC
  std::string type;        ///< the job type it submits
  std::string params = "{}";
  std::int64_t priority = 0;
  bool enabled = true;
  std::int64_t last_due_at = 0;  ///< the latest due time fired or skipped; later ones are pending
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;

  bool operator==(const schedule_record&) const = default;
};

/// Every schedule, by name.
std::vector<schedule_record> list_schedules(soci::session& db);

/// Inserts or replaces each schedule by name, inside the caller's transaction.
void upsert_schedules(soci::session& db, const std::vector<schedule_record>& schedules);

}  // namespace jobmesh::storage
