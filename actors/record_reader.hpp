#pragma once
/// The reader of the marketplace's stored records: a detached actor over its own database
/// session (SQL blocks), so record reads never wait behind job reads. Writes go through the
/// storage writer's group commit.
///
/// (get_atom, record_kind, id)                -> string   the record's JSON, or errc::not_found
/// (list_atom, record_kind, after, limit)     -> vector<string>   by id, ids > after
/// (load_atom, record_kind, after, limit, shards) -> (vector<string>, string)   the stored
///                                               forms of records by id, one chunk per shard
///                                               (`shard_of`), and its last id ("" at the end)
/// (match_atom, candidate_id, profile)        -> stored_matches   what match-scores stored
/// (activity_atom, after_seq, limit)          -> vector<activity_row>   stored events by seq
/// (activity_atom, candidate_id, limit)       -> vector<activity_row>   one candidate's, oldest first
/// (activity_atom)                            -> vector<string>   candidates with stored events, sorted
/// (orphan_atom, table)                       -> orphan_count   rows naming deleted records
///                                               (storage/orphan_repository.hpp's tables)
/// (trending_atom, since_ms)                  -> vector<posting_trend>  views and applications since
/// (trending_atom)                            -> vector<posting_trend>  the stored trending postings
/// (affinity_atom)                            -> vector<string>   candidates who viewed or applied
/// (affinity_atom, candidate_id)              -> vector<affinity_row>   their stored affinity
/// (feed_atom, candidate_id)                  -> stored_feed      or errc::not_found

#include "actors/match_messages.hpp"

namespace soci {
class session;
}

namespace jobmesh::actors {

using record_reader_actor = caf::typed_actor<
    caf::replies_to<caf::get_atom, storage::record_kind, std::string>::with<std::string>,
    caf::replies_to<list_atom, storage::record_kind, std::string, std::int64_t>::with<std::vector<std::string>>,
    caf::replies_to<load_atom, storage::record_kind, std::string, std::int64_t, std::int64_t>::with<
        std::vector<std::string>, std::string>,
    caf::replies_to<match_atom, std::string, std::string>::with<storage::stored_matches>,
    caf::replies_to<activity_atom, std::int64_t, std::int64_t>::with<std::vector<storage::activity_row>>,
    caf::replies_to<activity_atom, std::string, std::int64_t>::with<std::vector<storage::activity_row>>,
    caf::replies_to<activity_atom>::with<std::vector<std::string>>,
    caf::replies_to<orphan_atom, std::string>::with<storage::orphan_count>,
    caf::replies_to<trending_atom, std::int64_t>::with<std::vector<storage::posting_trend>>,
    caf::replies_to<trending_atom>::with<std::vector<storage::posting_trend>>,
    caf::replies_to<affinity_atom>::with<std::vector<std::string>>,
    caf::replies_to<affinity_atom, std::string>::with<std::vector<storage::affinity_row>>,
    caf::replies_to<feed_atom, std::string>::with<storage::stored_feed>>;

/// Spawns the reader over `db`, which it then owns.
record_reader_actor spawn_record_reader(caf::actor_system& sys, std::shared_ptr<soci::session> db);

}  // namespace jobmesh::actors
