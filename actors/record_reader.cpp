#include "actors/record_reader.hpp"

#include "actors/detail/guarded.hpp"
#include "actors/errors.hpp"
#include "actors/matcher_shard.hpp"
#include "storage/activity_repository.hpp"
#include "storage/feed_repository.hpp"
#include "storage/orphan_repository.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

namespace jobmesh::actors {

namespace {

using storage::record_kind;

struct record_reader_state {
  std::shared_ptr<soci::session> db;
  static inline const char* name = "record_reader";
};

using record_reader_pointer = record_reader_actor::stateful_pointer<record_reader_state>;

using detail::guarded;

record_reader_actor::behavior_type record_reader(record_reader_pointer self, std::shared_ptr<soci::session> db) {
  self->state.db = std::move(db);
  auto& s = *self->state.db;
  return {
      [&s](caf::get_atom, record_kind kind, const std::string& id) -> caf::result<std::string> {
        std::optional<std::string> found;
        try {
          found = storage::find_record(s, kind, id);
        } catch (const std::exception& e) {
          return make_error(errc::storage_failure, e.what());
        }
        if (!found)
          return make_error(errc::not_found,
                            fmt::format("no {} {}", storage::noun_of(kind), id));
        return std::move(*found);
      },
      [&s](list_atom, record_kind kind, const std::string& after, std::int64_t limit) {
        return guarded([&] { return storage::list_records(s, kind, after, static_cast<int>(limit)); });
      },
      [&s](load_atom, record_kind kind, const std::string& after, std::int64_t limit,
           std::int64_t shards) -> caf::result<std::vector<std::string>, std::string> {
        try {
          auto n = static_cast<std::size_t>(std::max<std::int64_t>(shards, 1));
          auto [chunks, last] = storage::forms_after(s, kind, after, static_cast<int>(limit), n,
                                                     [n](std::string_view id) { return shard_of(id, n); });
          return {std::move(chunks), std::move(last)};
        } catch (const std::exception& e) {
          return make_error(errc::storage_failure, e.what());
        }
      },
      [&s](match_atom, const std::string& candidate_id,
           const std::string& profile) -> caf::result<storage::stored_matches> {
        std::optional<storage::stored_matches> found;
        try {
          found = storage::find_stored_matches(s, candidate_id, profile);
        } catch (const std::exception& e) {
          return make_error(errc::storage_failure, e.what());
        }
        if (!found)
          return make_error(errc::not_found, fmt::format("no stored matches of candidate {} under profile {}; "
                                                         "run match-scores first",
                                                         candidate_id, profile));
        return std::move(*found);
      },
      [&s](activity_atom, std::int64_t after_seq, std::int64_t limit) {
        return guarded([&] { return storage::activity_after(s, after_seq, static_cast<int>(limit)); });
      },
      [&s](activity_atom, const std::string& candidate_id, std::int64_t limit) {
        return guarded([&] { return storage::activity_of(s, candidate_id, static_cast<int>(limit)); });
      },
      [&s](activity_atom) { return guarded([&] { return storage::candidates_with_activity(s); }); },
      [&s](orphan_atom, const std::string& table) -> caf::result<storage::orphan_count> {
        const auto* t = storage::find_orphan_table(table);
        if (t == nullptr)
          return make_error(errc::invalid_argument, fmt::format("no table {} has orphans", table));
        return guarded([&] { return storage::count_orphans(s, *t); });
      },
      [&s](trending_atom, std::int64_t since) { return guarded([&] { return storage::activity_by_posting(s, since); }); },
      [&s](trending_atom) { return guarded([&] { return storage::trending_postings(s); }); },
      [&s](affinity_atom) { return guarded([&] { return storage::candidates_with_interest(s); }); },
      [&s](affinity_atom, const std::string& candidate_id) {
        return guarded([&] { return storage::affinity_of(s, candidate_id); });
      },
      [&s](feed_atom, const std::string& candidate_id) -> caf::result<storage::stored_feed> {
        std::optional<storage::stored_feed> found;
        try {
          found = storage::find_feed(s, candidate_id);
        } catch (const std::exception& e) {
          return make_error(errc::storage_failure, e.what());
        }
        if (!found)
          return make_error(errc::not_found, fmt::format("no feed for candidate {} yet: run feed-presort "
                                                         "(POST /api/v1/job-groups/feed/enqueue)",
                                                         candidate_id));
        return std::move(*found);
      },
  };
}

}  // namespace

record_reader_actor spawn_record_reader(caf::actor_system& sys, std::shared_ptr<soci::session> db) {
  return sys.spawn<caf::detached>(record_reader, std::move(db));
}

}  // namespace jobmesh::actors
