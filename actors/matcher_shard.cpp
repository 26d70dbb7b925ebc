#include "actors/matcher_shard.hpp"

#include "actors/errors.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"
#include "match/prepared.hpp"
#include "match/reference.hpp"

#include <chrono>
#include <fmt/format.h>
#include <unordered_map>
#include <utility>

namespace jobmesh::actors {

namespace {

using storage::record_kind;

// What activity did to one candidate: the effect, and the held record's fields as given.
struct activity_overlay {
  match::activity_effect effect;
  std::optional<match::record_standing> as_given;  ///< empty until the candidate is held
};

struct shard_state {
  std::unordered_map<std::string, match::prepared_posting> postings;
  std::unordered_map<std::string, match::prepared_candidate> candidates;
  std::shared_ptr<const match::normaliser> words;  ///< prepares what a load brings
  bool computed_engagement = true;  ///< activity.tracking: records' engagement is ignored
  std::unordered_map<std::string, activity_overlay> activity;  ///< by candidate id, held or not
  std::optional<match::batch_matcher> index;  ///< empty when records changed since it was built
  bool rebuild_pending = false;               ///< a rebuild tick is on its way
  std::chrono::steady_clock::time_point last_write;
  std::chrono::milliseconds last_build{0};    ///< how long the last index build took
  static inline const char* name = "matcher_shard";
};

using shard_pointer = matcher_shard_actor::stateful_pointer<shard_state>;

const match::batch_matcher& current_index(shard_state& st) {
  if (!st.index) {
    auto started = std::chrono::steady_clock::now();
    std::vector<const match::prepared_posting*> ps;
    ps.reserve(st.postings.size());
    for (const auto& [id, p] : st.postings)
      ps.push_back(&p);
    std::vector<const match::prepared_candidate*> cs;
    cs.reserve(st.candidates.size());
    for (const auto& [id, c] : st.candidates)
      cs.push_back(&c);
    st.index.emplace(std::span{ps}, std::span{cs});
    st.last_build =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  }
  return *st.index;
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

explained_matches run_query(shard_state& st, const prepared_record& source, const match::query& q) {
  const auto& index = current_index(st);
  explained_matches out;
  if (const auto* c = std::get_if<match::prepared_candidate>(&source)) {
    for (auto& r : index.run_one(*c, q).results) {
      const auto& p = st.postings.at(r.id);
      out.push_back(explain(std::move(r), p, *c));
    }
  } else {
    const auto& p = std::get<match::prepared_posting>(source);
    for (auto& r : index.run_one(p, q).results) {
      const auto& c = st.candidates.at(r.id);
      out.push_back(explain(std::move(r), p, c));
    }
  }
  return out;
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

void index_changed(shard_pointer self) {
  auto& st = self->state;
  st.index.reset();
  st.last_write = std::chrono::steady_clock::now();
  if (!std::exchange(st.rebuild_pending, true))
    self->delayed_send(self, k_rebuild_delay, tick_atom::value);
}

// Builds the index once writes have been quiet for the delay, or for twice the last build's
// time if that is longer: a stream of writes (a load's chunks, a long ingest) then spends at
// most a third of the shard's time rebuilding, however large the shard grows.
void on_tick(shard_pointer self) {
  auto& st = self->state;
  auto wait = std::max(k_rebuild_delay, 2 * st.last_build);
  auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - st.last_write);
  if (quiet < wait) {
    self->delayed_send(self, wait - quiet, tick_atom::value);
    return;
  }
  st.rebuild_pending = false;
  current_index(st);
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
  if (!parsed.records.empty())
    index_changed(self);
  return {static_cast<std::int64_t>(parsed.records.size()), static_cast<std::int64_t>(parsed.errors.size())};
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
          if (auto* p = std::get_if<match::prepared_posting>(&r))
            st.postings.insert_or_assign(p->id, std::move(*p));
          else
            take_candidate(st, std::move(std::get<match::prepared_candidate>(r)));
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
        if (held)
          index_changed(self);
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
