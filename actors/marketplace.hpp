#pragma once
/// The matching service: the marketplace's postings and candidates, stored and in memory. It
/// owns S matcher shards (`matching.shards`), loads them from storage at start (requests wait
/// until then), commits every ingest through the storage writer before the owning shards
/// take it, and answers a live query through the source's owner shard (ahead of that shard's
/// queued scans), which scatters the query to every shard and merges their local top-k by the
/// ranking key (SPEC-matching.md "Queries"), so answers never depend on S.
///
/// (ingest_atom, record_kind, ndjson)            -> ingest_reply   after commit and shards
/// (delete_atom, record_kind, id)                -> ok_atom        errc::not_found if absent
/// (get_atom, record_kind, id)                   -> string         the record's JSON
/// (list_atom, record_kind, after, limit)        -> vector<string> by id
/// (match_atom, record_kind, id, match_options)  -> match_reply    the source's best matches
///     record_kind names the source: a candidate's best postings or a posting's best candidates
/// (match_atom, record_kind, vector<id>, match_options) -> match_batch   many sources at once,
///     one request per shard; an unknown source's entry stays empty
/// (score_atom, record_kind, id, vector<target id>, profile) -> pair_scores   the source
///     against each given target, every factor and the explanation; unknown targets stay empty
/// (ids_atom, record_kind)                       -> vector<string> every id the shards hold, sorted
/// (get_atom, record_kind, vector<id>)           -> prepared_lookup  as the shards hold them (with
///     activity applied), in the order asked; empty where unknown
/// (activity_atom, vector<activity_effect>)      -> ok_atom        to the owning shards, answered
///     once they all took theirs, so the next query sees them
/// (activity_atom, vector<id>)                  -> held_effects   the effect each candidate's shard
///     holds (stats-reconcile compares them with a recount)

#include "actors/match_messages.hpp"
#include "actors/matcher_shard.hpp"
#include "actors/record_reader.hpp"
#include "actors/storage_actors.hpp"
#include "config/settings.hpp"

namespace jobmesh::actors {

using marketplace_actor = caf::typed_actor<
    caf::replies_to<ingest_atom, storage::record_kind, std::string>::with<ingest_reply>,
    caf::replies_to<delete_atom, storage::record_kind, std::string>::with<caf::ok_atom>,
    caf::replies_to<caf::get_atom, storage::record_kind, std::string>::with<std::string>,
    caf::replies_to<list_atom, storage::record_kind, std::string, std::int64_t>::with<std::vector<std::string>>,
    caf::replies_to<match_atom, storage::record_kind, std::string, match_options>::with<match_reply>,
    caf::replies_to<match_atom, storage::record_kind, std::vector<std::string>, match_options>::with<match_batch>,
    caf::replies_to<score_atom, storage::record_kind, std::string, std::vector<std::string>,
                    std::string>::with<pair_scores>,
    caf::replies_to<ids_atom, storage::record_kind>::with<std::vector<std::string>>,
    caf::replies_to<caf::get_atom, storage::record_kind, std::vector<std::string>>::with<prepared_lookup>,
    caf::replies_to<activity_atom, std::vector<match::activity_effect>>::with<caf::ok_atom>,
    caf::replies_to<activity_atom, std::vector<std::string>>::with<held_effects>,
    // From the activity tracker, once the effects of the stored activity are in the shards
    // (or could not be put there): with `computed_engagement`, requests wait for it.
    caf::reacts_to<activity_atom, caf::ok_atom>>;

/// Spawns the service with `settings.shards` shards (0 = one per core), which it links to;
/// `computed_engagement` as for spawn_matcher_shard (activity.tracking on: requests then also
/// wait for the activity tracker's `(activity_atom, ok_atom)`); `stored`: how many
/// records storage holds, which the shards make room for before they load their shares.
marketplace_actor spawn_marketplace(caf::actor_system& sys, const config::matching_settings& settings,
                                    bool computed_engagement, storage_writer_actor writer,
                                    record_reader_actor reader, expected_records stored = {});

}  // namespace jobmesh::actors
