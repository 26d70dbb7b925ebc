#include "actors/detail/guarded.hpp"
#include "actors/errors.hpp"
#include "actors/storage_actors.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

namespace jobmesh::actors {

namespace {

struct reader_state {
  std::shared_ptr<soci::session> db;
  static inline const char* name = "storage_reader";
};

using reader_pointer = storage_reader_actor::stateful_pointer<reader_state>;

using detail::guarded;

caf::result<storage::job_record> found_or_error(std::optional<storage::job_record> job, const std::string& what) {
  if (!job)
    return make_error(errc::not_found, fmt::format("no job {}", what));
  return std::move(*job);
}

storage_reader_actor::behavior_type reader(reader_pointer self, std::shared_ptr<soci::session> db) {
  self->state.db = std::move(db);
  auto& s = *self->state.db;
  return {
      [&s](caf::get_atom, const std::string& id) -> caf::result<storage::job_record> {
        try {
          return found_or_error(storage::find_job(s, id), "with id " + id);
        } catch (const std::exception& e) {
          return make_error(errc::storage_failure, e.what());
        }
      },
      [&s](caf::get_atom, const std::string& user, const std::string& key) -> caf::result<storage::job_record> {
        try {
          return found_or_error(storage::find_job_by_idempotency_key(s, user, key), "with idempotency key " + key);
        } catch (const std::exception& e) {
          return make_error(errc::storage_failure, e.what());
        }
      },
      [&s](caf::get_atom, const std::string& user, const std::vector<std::string>& keys) {
        return guarded([&] { return storage::find_jobs_by_idempotency_keys(s, user, keys); });
      },
      [&s](list_atom, const storage::job_filter& f) { return guarded([&] { return storage::list_jobs(s, f); }); },
      [&s](items_atom, const storage::item_filter& f) { return guarded([&] { return storage::list_items(s, f); }); },
      [&s](items_atom, const std::string& job_id) { return guarded([&] { return storage::all_items(s, job_id); }); },
      [&s](status_atom, const std::string& name) -> caf::result<std::vector<storage::job_record>> {
        auto status = storage::parse_job_status(name);
        if (!status)
          return make_error(errc::invalid_argument, "unknown status " + name);
        return guarded([&] { return storage::jobs_with_status(s, *status); });
      },
      [&s](stalled_atom, std::int64_t heartbeat_before_ms) {
        return guarded([&] { return storage::stalled_jobs(s, heartbeat_before_ms); });
      },
      [&s](schedule_atom) { return guarded([&] { return storage::list_schedules(s); }); },
      [&s](cleanup_atom, std::int64_t now_ms) { return guarded([&] { return storage::count_expired_jobs(s, now_ms); }); },
      [&s](statistics_atom, std::int64_t since_ms) {
        return guarded([&] { return storage::finished_since(s, since_ms); });
      },
  };
}

}  // namespace

storage_reader_actor spawn_storage_reader(caf::actor_system& sys, std::shared_ptr<soci::session> db) {
  return sys.spawn<caf::detached>(reader, std::move(db));
}

}  // namespace jobmesh::actors
