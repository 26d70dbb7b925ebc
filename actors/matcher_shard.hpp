#pragma once
/// A matcher shard: one actor holding a slice of the marketplace's postings and candidates in
/// memory, in the match kernel's structure-of-arrays layout (DESIGN.md "Matching service").
/// The matching service picks a record's shard by its id (`shard_of`) and sends it upserts and
/// deletes; a live query goes to its source's owner, which scatters it to every shard; each
/// answers with its local top-k, merged by the ranking key, so answers never depend on the
/// shard count.
///
/// (upsert_atom, vector<prepared_record>)    -> ok_atom     replace by id
/// (load_atom, record_kind, chunk)           -> load_tally   stored forms of this shard's
///     records (a load at start, match/stored_form.hpp): decoded and upserted here, so shards
///     load in parallel; an empty form (a record that no longer passes the rules) is counted
///     as broken and skipped; bytes that are no forms: errc::storage_failure
/// (delete_atom, record_kind, id)            -> bool        whether it held the record
/// (get_atom, record_kind, id)               -> prepared_record   or errc::not_found; the
///     source of a scoring (score_atom below)
/// (get_atom, record_kind, vector<id>)       -> prepared_lookup   in the order asked
/// (ids_atom, record_kind)                   -> vector<id>  every id it holds, unordered
/// (match_atom, record_kind, id, query, shard_set_ptr) -> match_reply   a live query, sent
///     urgent to the owner of its source (errc::not_found when it holds none), which sends the
///     query to every shard of the set, itself included, in one message each at the back of
///     their mailboxes (so the shards take the queries in one order, each part of a query at
///     about the same time), gathers their parts (sent back urgent) and merges them, the
///     distances measured
/// (match_atom, part_atom, gather id, slot, source_ptr, query)    one shard's part of such a
///     query -> (part_atom, gather id, slot, explained_matches or caf::error) to the sender
/// (match_atom, vector<prepared_record>, query) -> vector<explained_matches>  one per source:
///     a candidate source gets this shard's best postings, a posting source its best
///     candidates, ranked, with the records that explain them but no distance (the merge
///     measures it); the sources need not live on this shard
/// (score_atom, prepared_record, vector<id>, query) -> pair_scores
///     the source against each of the given targets this shard holds (others stay empty);
///     only `query.prof` is used
///
/// (activity_atom, vector<activity_effect>)  -> ok_atom     what activity did to candidates
///     (match/engagement.hpp `apply_activity`), held or not yet: an effect replaces the last one
///     and stays for the candidate's next upsert; an empty one (no activity) removes it
/// (activity_atom, vector<id>)               -> held_effects   the effect held for each, if any
///
/// (tick_atom)                               internal: build the index after writes settle
///
/// The kernel's index is built once writes have been quiet for 200 ms or twice the last
/// build's time (or when a query needs it, if sooner). Records written after it was built are
/// retired in it and indexed apart, in a small index the next query rebuilds in milliseconds,
/// until they (or the rows retired in the index, deletes included) are more than 2,048 or
/// 1/128 of the shard: then the whole index is built again, so a burst (a load, a big ingest)
/// costs one whole build. A whole build runs on a thread of its own from the records held
/// when it starts (held records are immutable: a write replaces them), so the shard goes on
/// taking writes and answering queries from the index it has and the records written since;
/// when the new index lands, what was written meanwhile is retired in it. Only a shard with no
/// index yet (after a load) holds its queries until the build lands. The query after an
/// acknowledged write always sees it.

#include "actors/match_messages.hpp"

namespace jobmesh::actors {

/// Every shard of a matching service, in the order `shard_of` counts them (defined below).
struct shard_set;
using shard_set_ptr = std::shared_ptr<const shard_set>;

/// A record to query with, shared by the shards that scan for it and the results it explains.
using source_ptr = std::shared_ptr<const prepared_record>;

using matcher_shard_actor = caf::typed_actor<
    caf::replies_to<upsert_atom, std::vector<prepared_record>>::with<caf::ok_atom>,
    caf::replies_to<load_atom, storage::record_kind, std::string>::with<load_tally>,
    caf::replies_to<activity_atom, std::vector<match::activity_effect>>::with<caf::ok_atom>,
    caf::replies_to<activity_atom, std::vector<std::string>>::with<held_effects>,
    caf::replies_to<delete_atom, storage::record_kind, std::string>::with<bool>,
    caf::replies_to<caf::get_atom, storage::record_kind, std::string>::with<prepared_record>,
    caf::replies_to<caf::get_atom, storage::record_kind, std::vector<std::string>>::with<prepared_lookup>,
    caf::replies_to<ids_atom, storage::record_kind>::with<std::vector<std::string>>,
    caf::replies_to<match_atom, storage::record_kind, std::string, match::query, shard_set_ptr>::with<match_reply>,
    caf::reacts_to<match_atom, part_atom, std::uint64_t, std::size_t, source_ptr, match::query>,
    caf::reacts_to<part_atom, std::uint64_t, std::size_t, explained_matches>,
    caf::reacts_to<part_atom, std::uint64_t, std::size_t, caf::error>,
    caf::replies_to<match_atom, std::vector<prepared_record>, match::query>::with<std::vector<explained_matches>>,
    caf::replies_to<score_atom, prepared_record, std::vector<std::string>, match::query>::with<pair_scores>,
    caf::reacts_to<tick_atom>>;

struct shard_set {
  std::vector<matcher_shard_actor> shards;
};

/// Merges shards' local top-k lists into the global one: key descending, id ascending, the best
/// posting of each company first when `q.top_per_company`, then the first `q.top_k`, each with
/// its distance (a shard's own lists leave it out: it is measured for the results kept).
explained_matches merge_shard_results(std::vector<explained_matches> parts, const match::query& q);

/// The shard of `shards` that owns `id`: FNV-1a of the id's bytes, so every node agrees.
std::size_t shard_of(std::string_view id, std::size_t shards);

/// How many records a shard is about to load: its tables of ids take that room at once (grown
/// while a million postings came in, they doubled some 15 times, rehashing: 9% of a load's
/// samples).
struct expected_records {
  std::size_t postings = 0;
  std::size_t candidates = 0;
};

/// Spawns an empty shard on a thread of its own; `words` prepare what it loads. Its queries'
/// profiles must outlive it. With
/// `computed_engagement` (activity.tracking on) a candidate's engagement is what activity
/// effects say (0 without any), never the record's.
matcher_shard_actor spawn_matcher_shard(caf::actor_system& sys, std::shared_ptr<const match::normaliser> words,
                                        bool computed_engagement, expected_records expected = {});

}  // namespace jobmesh::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::shard_set_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::source_ptr)
