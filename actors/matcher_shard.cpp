#include "actors/matcher_shard.hpp"

#include "actors/detail/gather.hpp"
#include "actors/errors.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"
#include "match/prepared.hpp"
#include "match/reference.hpp"

#include <chrono>
#include <fmt/format.h>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace jobmesh::actors {

namespace {

using storage::record_kind;

// What activity did to one candidate: the effect, and the held record's fields as given.
struct activity_overlay {
  match::activity_effect effect;
  std::optional<match::record_standing> as_given;  ///< empty until the candidate is held
};

// A kernel index and the records it was built from, in its input order (match_result::input).
// The pointers point into the shard's maps: a record replaced or deleted since is retired in
// the index, so its pointer is never read.
struct built_index {
  match::batch_matcher matcher;
  std::vector<const match::prepared_posting*> postings;
  std::vector<const match::prepared_candidate*> candidates;
};

struct shard_state {
  std::unordered_map<std::string, match::prepared_posting> postings;
  std::unordered_map<std::string, match::prepared_candidate> candidates;
  std::shared_ptr<const match::normaliser> words;  ///< prepares what a load brings
  bool computed_engagement = true;  ///< activity.tracking: records' engagement is ignored
  std::unordered_map<std::string, activity_overlay> activity;  ///< by candidate id, held or not
  /// Every record held when it was built (empty until a query or a quiet moment builds it);
  /// records written since are retired in it and indexed in `recent` instead.
  std::optional<built_index> index;
  std::optional<built_index> recent;  ///< the records written since `index`; empty when stale
  std::unordered_set<std::string> recent_postings, recent_candidates;  ///< their ids, held now
  std::size_t retired = 0;  ///< rows retired in `index` (updated or deleted since it was built)
  bool rebuild_pending = false;               ///< a rebuild tick is on its way
  std::chrono::steady_clock::time_point last_write;
  std::chrono::milliseconds last_build{0};    ///< how long the last index build took
  static inline const char* name = "matcher_shard";
};

using shard_pointer = matcher_shard_actor::stateful_pointer<shard_state>;

built_index build(std::vector<const match::prepared_posting*> ps, std::vector<const match::prepared_candidate*> cs) {
  match::batch_matcher matcher{std::span{ps}, std::span{cs}};
  return {std::move(matcher), std::move(ps), std::move(cs)};
}

// No index: the next query (or a quiet moment) builds it from every record held. What followed
// the writes since the last build goes with it (its pointers may point to records erased since).
void drop_index(shard_state& st) {
  st.index.reset();
  st.recent.reset();
  st.recent_postings.clear();
  st.recent_candidates.clear();
  st.retired = 0;
}

// Pointers to the records of `held`: all of them, or those of `ids`.
template <class Record>
std::vector<const Record*> records_of(const std::unordered_map<std::string, Record>& held) {
  std::vector<const Record*> out;
  out.reserve(held.size());
  for (const auto& [id, r] : held)
    out.push_back(&r);
  return out;
}

template <class Record>
std::vector<const Record*> records_of(const std::unordered_map<std::string, Record>& held,
                                      const std::unordered_set<std::string>& ids) {
  std::vector<const Record*> out;
  out.reserve(ids.size());
  for (const auto& id : ids)
    out.push_back(&held.at(id));
  return out;
}

// Builds what is missing: the whole index (timed: it sets the rebuild delay), or the index of
// the records written since.
void current_indexes(shard_state& st) {
  if (!st.index) {
    auto started = std::chrono::steady_clock::now();
    st.index.emplace(build(records_of(st.postings), records_of(st.candidates)));
    st.last_build =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  }
  if (!st.recent)
    st.recent.emplace(build(records_of(st.postings, st.recent_postings), records_of(st.candidates, st.recent_candidates)));
}

// Both lists are sorted sets (normaliser::term_set).
void explain_skills(const match::prepared_posting& p, const match::prepared_candidate& c, explained_match& out) {
  for (const auto& skill : p.skills)
    (std::binary_search(c.skills.begin(), c.skills.end(), skill) ? out.matched_skills : out.missing_skills)
        .push_back(skill);
}

explained_match explain(match::match_result r, const match::prepared_posting& p, const match::prepared_candidate& c) {
  explained_match out;
  out.result = std::move(r);
  out.company = p.company;
  explain_skills(p, c, out);
  if (p.coordinates && c.coordinates)
    out.distance_km = match::haversine_km(*p.coordinates, *c.coordinates);
  return out;
}

explained_matches run_on(const built_index& x, const prepared_record& source, const match::query& q) {
  explained_matches out;
  if (const auto* c = std::get_if<match::prepared_candidate>(&source)) {
    for (auto& r : x.matcher.run_one(*c, q).results) {
      const auto& p = *x.postings[r.input];
      out.push_back(explain(std::move(r), p, *c));
    }
  } else {
    const auto& p = std::get<match::prepared_posting>(source);
    for (auto& r : x.matcher.run_one(p, q).results) {
      const auto& c = *x.candidates[r.input];
      out.push_back(explain(std::move(r), p, c));
    }
  }
  return out;
}

// The shard's best matches: those of its index and those of the records written since,
// merged as shards' lists are.
explained_matches run_query(shard_state& st, const prepared_record& source, const match::query& q) {
  current_indexes(st);
  auto out = run_on(*st.index, source, q);
  if (st.recent->postings.empty() && st.recent->candidates.empty())
    return out;
  return merge_shard_results({std::move(out), run_on(*st.recent, source, q)}, q);
}

// Scores `source` against each target this shard holds, with every factor.
pair_scores score_pairs(const shard_state& st, const prepared_record& source, const std::vector<std::string>& ids,
                        const match::profile& prof) {
  pair_scores out(ids.size());
  auto scored = [&](const match::prepared_posting& p, const match::prepared_candidate& c, const std::string& id) {
    match::match_result r;
    r.id = id;
    r.factors = match::reference_factors(p, c);
    r.score = match::combine(prof, r.factors);
    return explain(std::move(r), p, c);
  };
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (const auto* c = std::get_if<match::prepared_candidate>(&source)) {
      if (auto it = st.postings.find(ids[i]); it != st.postings.end())
        out[i] = scored(it->second, *c, ids[i]);
    } else if (auto it = st.candidates.find(ids[i]); it != st.candidates.end()) {
      out[i] = scored(std::get<match::prepared_posting>(source), it->second, ids[i]);
    }
  }
  return out;
}

std::optional<prepared_record> find_prepared(const shard_state& st, record_kind kind, const std::string& id) {
  if (kind == record_kind::posting) {
    if (auto it = st.postings.find(id); it != st.postings.end())
      return prepared_record{it->second};
  } else if (auto it = st.candidates.find(id); it != st.candidates.end()) {
    return prepared_record{it->second};
  }
  return std::nullopt;
}

match::record_standing standing_fields(const match::prepared_candidate& c) {
  return {c.rating, c.review_count, c.completed_jobs, c.engagement};
}

void set_standing(match::prepared_candidate& c, const match::record_standing& s) {
  c.rating = s.rating;
  c.review_count = s.review_count;
  c.completed_jobs = s.completed_jobs;
  c.engagement = s.engagement;
}

// A candidate as given, with what activity did to it applied.
void take_candidate(shard_state& st, match::prepared_candidate c) {
  if (st.computed_engagement) {
    if (auto it = st.activity.find(c.id); it != st.activity.end()) {
      it->second.as_given = standing_fields(c);
      set_standing(c, match::apply_activity(*it->second.as_given, it->second.effect));
    } else {
      c.engagement = 0;
    }
  }
  auto id = c.id;
  st.candidates.insert_or_assign(std::move(id), std::move(c));
}

// A record written after the index was built: its indexed version is retired there and the
// record is indexed among the recent ones; `held` is false for a delete. Without an index there
// is nothing to follow: the next build takes every record as it is.
void record_written(shard_state& st, record_kind kind, const std::string& id, bool held) {
  if (!st.index)
    return;
  auto& recent = kind == record_kind::posting ? st.recent_postings : st.recent_candidates;
  bool was_indexed = kind == record_kind::posting ? st.index->matcher.retire_posting(id)
                                                  : st.index->matcher.retire_candidate(id);
  if (was_indexed)
    ++st.retired;
  if (held)
    recent.insert(id);
  else
    recent.erase(id);
  st.recent.reset();
}

// New effects replace old ones; whether a held candidate changed.
bool take_effects(shard_state& st, std::vector<match::activity_effect>& effects) {
  if (!st.computed_engagement)
    return false;
  bool changed = false;
  for (auto& e : effects) {
    auto& overlay = st.activity[e.candidate_id];
    overlay.effect = std::move(e);
    auto id = overlay.effect.candidate_id;
    if (auto it = st.candidates.find(id); it != st.candidates.end()) {
      if (!overlay.as_given)
        overlay.as_given = standing_fields(it->second);
      set_standing(it->second, match::apply_activity(*overlay.as_given, overlay.effect));
      record_written(st, record_kind::candidate, id, true);
      changed = true;
    }
    // No activity (a candidate whose events were removed): the same as no overlay.
    if (match::is_empty(overlay.effect))
      st.activity.erase(id);
  }
  return changed;
}

held_effects effects_of(const shard_state& st, const std::vector<std::string>& ids) {
  held_effects out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto it = st.activity.find(id);
    out.push_back(it == st.activity.end() ? std::nullopt : std::optional{it->second.effect});
  }
  return out;
}

template <class Map>
std::vector<std::string> keys_of(const Map& m) {
  std::vector<std::string> out;
  out.reserve(m.size());
  for (const auto& [id, record] : m)
    out.push_back(id);
  return out;
}

// A quiet moment after a burst of writes: build the index then, so the next query need not.
constexpr std::chrono::milliseconds k_rebuild_delay{200};
// Records written since the index was built are indexed apart (rebuilt, in milliseconds, by
// the next query after a write) until they, or the rows retired in the index, are more than
// this many, or than this share of the shard: then the whole index is built again (about a
// second for 500k postings).
constexpr std::size_t k_recent_at_least = 2'048;
constexpr std::size_t k_recent_share = 128;

void index_changed(shard_pointer self) {
  auto& st = self->state;
  // Written records make the next query's small build longer; retired rows (deletes too) are
  // scanned past in the whole index: either, past the limit, is worth a whole build.
  auto recent = st.recent_postings.size() + st.recent_candidates.size();
  auto limit = std::max(k_recent_at_least, (st.postings.size() + st.candidates.size()) / k_recent_share);
  if (recent > limit || st.retired > limit)
    drop_index(st);
  st.last_write = std::chrono::steady_clock::now();
  if (!std::exchange(st.rebuild_pending, true))
    self->delayed_send(self, k_rebuild_delay, tick_atom::value);
}

// Builds what the writes left to build once they have been quiet for the delay, or for twice
// the last whole build's time if that is longer: a stream of writes (a load's chunks, a long
// ingest) then spends at most a third of the shard's time rebuilding, however large it grows.
void on_tick(shard_pointer self) {
  auto& st = self->state;
  auto wait = std::max(k_rebuild_delay, 2 * st.last_build);
  auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - st.last_write);
  if (quiet < wait) {
    self->delayed_send(self, wait - quiet, tick_atom::value);
    return;
  }
  st.rebuild_pending = false;
  current_indexes(st);
}

// Parses, prepares and takes one shard's part of a load.
template <class Read>
load_tally load_part(shard_pointer self, const std::string& ndjson, Read read) {
  auto& st = self->state;
  auto parsed = read(ndjson);
  for (const auto& r : parsed.records) {
    auto prepared = match::prepare(r, *st.words);
    if constexpr (std::is_same_v<decltype(prepared), match::prepared_posting>) {
      auto id = prepared.id;
      st.postings.insert_or_assign(std::move(id), std::move(prepared));
    } else {
      take_candidate(st, std::move(prepared));
    }
  }
  if (!parsed.records.empty()) {
    drop_index(st);  // a load: the whole index is built again
    index_changed(self);
  }
  return {static_cast<std::int64_t>(parsed.records.size()), static_cast<std::int64_t>(parsed.errors.size())};
}

// A query for a source this shard owns: the other shards get the prepared source first, so
// they scan their parts while this one scans its own.
caf::result<match_reply> answer(shard_pointer self, record_kind kind, const std::string& id, const match::query& q,
                                const std::vector<caf::actor>& others) {
  auto source = find_prepared(self->state, kind, id);
  if (!source)
    return make_error(errc::not_found, fmt::format("no {} {}", storage::noun_of(kind), id));
  if (others.empty())
    return match_reply{id, q.prof->name, q.prof->used, run_query(self->state, *source, q)};
  auto promise = self->make_response_promise<match_reply>();
  auto mine = std::make_shared<explained_matches>();
  detail::gather<explained_matches>(
      others.size(),
      [&](std::size_t i) {
        return self->request(caf::actor_cast<matcher_shard_actor>(others[i]), caf::infinite, match_atom::value,
                             *source, q);
      },
      [=](std::vector<explained_matches> parts, caf::error e) mutable {
        if (e) {
          promise.deliver(std::move(e));
          return;
        }
        parts.push_back(std::move(*mine));
        promise.deliver(match_reply{id, q.prof->name, q.prof->used, merge_shard_results(std::move(parts), q)});
      });
  *mine = run_query(self->state, *source, q);  // the replies are handled after this returns
  return promise;
}

matcher_shard_actor::behavior_type shard(shard_pointer self, std::shared_ptr<const match::normaliser> words,
                                         bool computed_engagement) {
  self->state.words = std::move(words);
  self->state.computed_engagement = computed_engagement;
  return {
      [=](load_atom, record_kind kind, const std::string& ndjson) {
        if (kind == record_kind::posting)
          return load_part(self, ndjson, [](std::string_view text) { return match::read_postings(text); });
        return load_part(self, ndjson, [](std::string_view text) { return match::read_candidates(text); });
      },
      [=](upsert_atom, std::vector<prepared_record>& records) {
        auto& st = self->state;
        for (auto& r : records) {
          if (auto* p = std::get_if<match::prepared_posting>(&r)) {
            auto id = p->id;
            st.postings.insert_or_assign(id, std::move(*p));
            record_written(st, record_kind::posting, id, true);
          } else {
            auto id = std::get<match::prepared_candidate>(r).id;
            take_candidate(st, std::move(std::get<match::prepared_candidate>(r)));
            record_written(st, record_kind::candidate, id, true);
          }
        }
        index_changed(self);
        return caf::ok_atom::value;
      },
      [=](activity_atom, std::vector<match::activity_effect>& effects) {
        if (take_effects(self->state, effects))
          index_changed(self);
        return caf::ok_atom::value;
      },
      [=](activity_atom, const std::vector<std::string>& ids) { return effects_of(self->state, ids); },
      [=](delete_atom, record_kind kind, const std::string& id) {
        auto& st = self->state;
        bool held = kind == record_kind::posting ? st.postings.erase(id) > 0 : st.candidates.erase(id) > 0;
        if (held) {
          record_written(st, kind, id, false);
          index_changed(self);
        }
        return held;
      },
      [=](caf::get_atom, record_kind kind, const std::string& id) -> caf::result<prepared_record> {
        if (auto found = find_prepared(self->state, kind, id))
          return std::move(*found);
        return make_error(errc::not_found, fmt::format("no {} {}", storage::noun_of(kind), id));
      },
      [=](caf::get_atom, record_kind kind, const std::vector<std::string>& ids) {
        prepared_lookup out;
        out.reserve(ids.size());
        for (const auto& id : ids)
          out.push_back(find_prepared(self->state, kind, id));
        return out;
      },
      [=](ids_atom, record_kind kind) {
        auto& st = self->state;
        return kind == record_kind::posting ? keys_of(st.postings) : keys_of(st.candidates);
      },
      [=](match_atom, record_kind kind, const std::string& id, const match::query& q,
          const std::vector<caf::actor>& others) { return answer(self, kind, id, q, others); },
      [=](match_atom, const prepared_record& source, const match::query& q) {
        return run_query(self->state, source, q);
      },
      [=](match_atom, const std::vector<prepared_record>& sources, const match::query& q) {
        std::vector<explained_matches> out;
        out.reserve(sources.size());
        for (const auto& source : sources)
          out.push_back(run_query(self->state, source, q));
        return out;
      },
      [=](score_atom, const prepared_record& source, const std::vector<std::string>& ids, const match::query& q) {
        return score_pairs(self->state, source, ids, *q.prof);
      },
      [=](tick_atom) { on_tick(self); },
  };
}

}  // namespace

// With top_per_company each shard sends the best k of its companies' best postings. That is
// enough: if a company's best posting overall is in the global top k, fewer than k companies
// beat it overall, so fewer than k beat it in its own shard, so its shard sent it. Keeping the
// first entry of each company in the merged order then gives the global answer.
explained_matches merge_shard_results(std::vector<explained_matches> parts, const match::query& q) {
  explained_matches all;
  for (auto& part : parts)
    std::move(part.begin(), part.end(), std::back_inserter(all));
  std::sort(all.begin(), all.end(), [](const explained_match& a, const explained_match& b) {
    return match::ranks_before(match::rank_key(a.result.score), a.result.id, match::rank_key(b.result.score),
                               b.result.id);
  });
  if (q.top_per_company && q.dir == match::direction::candidate) {
    std::unordered_set<std::string> seen;
    std::erase_if(all, [&](const explained_match& m) { return !seen.insert(m.company).second; });
  }
  if (all.size() > static_cast<std::size_t>(q.top_k))
    all.resize(static_cast<std::size_t>(q.top_k));
  return all;
}

std::size_t shard_of(std::string_view id, std::size_t shards) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : id) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h % std::max<std::size_t>(shards, 1));
}

// Detached: a shard's scan is milliseconds of CPU (seconds for an index build), which must not
// hold up the engine's actors on the scheduler's workers; and a message to a detached actor
// wakes its thread at once, where a worker of CAF 0.17's work-stealing scheduler that found
// nothing to do sleeps up to 10 ms before it steals the second shard's query from the first's
// worker (a query then waits for the other shard's scan, or the timer).
matcher_shard_actor spawn_matcher_shard(caf::actor_system& sys, std::shared_ptr<const match::normaliser> words,
                                        bool computed_engagement) {
  return sys.spawn<caf::detached>(shard, std::move(words), computed_engagement);
}

}  // namespace jobmesh::actors
