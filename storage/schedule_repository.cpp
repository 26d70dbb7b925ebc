#include "storage/schedule_repository.hpp"

#include <soci/soci.h>

namespace jobmesh::storage {

namespace {

constexpr std::string_view k_list_schedules =
    "SELECT name, cron, type, params, priority, enabled, last_due_at, created_at, updated_at "
    "FROM schedules ORDER BY name";

constexpr std::string_view k_upsert_schedule =
    "INSERT INTO schedules (name, cron, type, params, priority, enabled, last_due_at, created_at, updated_at) "
    "VALUES (:name, :cron, :type, :params, :priority, :enabled, :last_due_at, :created_at, :updated_at) "
    "ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, type = excluded.type, params = excluded.params, "
    "priority = excluded.priority, enabled = excluded.enabled, last_due_at = excluded.last_due_at, "
    "updated_at = excluded.updated_at";

// SOCI binds 64-bit integers as long long; the record's fields are std::int64_t.
struct schedule_row {
  std::string name, cron, type, params;
  long long priority = 0, enabled = 1, last_due_at = 0, created_at = 0, updated_at = 0;
};

schedule_row to_row(const schedule_record& s) {
  return {s.name, s.cron, s.type, s.params, s.priority, s.enabled ? 1 : 0, s.last_due_at, s.created_at, s.updated_at};
}

}  // namespace

std::vector<schedule_record> list_schedules(soci::session& db) {
  schedule_row r;
  soci::statement st = (db.prepare << k_list_schedules, soci::into(r.name), soci::into(r.cron), soci::into(r.type),
                        soci::into(r.params), soci::into(r.priority), soci::into(r.enabled), soci::into(r.last_due_at),
                        soci::into(r.created_at), soci::into(r.updated_at));
  st.execute();
  std::vector<schedule_record> out;
  while (st.fetch())
    out.push_back({r.name, r.cron, r.type, r.params, r.priority, r.enabled != 0, r.last_due_at, r.created_at,
                   r.updated_at});
  return out;
}

void upsert_schedules(soci::session& db, const std::vector<schedule_record>& schedules) {
  if (schedules.empty())
    return;
  schedule_row r = to_row(schedules.front());
  soci::statement st =
      (db.prepare << k_upsert_schedule, soci::use(r.name, "name"), soci::use(r.cron, "cron"), soci::use(r.type, "type"),
       soci::use(r.params, "params"), soci::use(r.priority, "priority"), soci::use(r.enabled, "enabled"),
       soci::use(r.last_due_at, "last_due_at"), soci::use(r.created_at, "created_at"),
       soci::use(r.updated_at, "updated_at"));
  for (const auto& s : schedules) {
    r = to_row(s);
    st.execute(true);
  }
}

}  // namespace jobmesh::storage
