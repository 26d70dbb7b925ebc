#include "actors/matcher_shard.hpp"

#include "actors/detail/gather.hpp"
#include "actors/errors.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"
#include "match/prepared.hpp"
#include "match/reference.hpp"
#include "match/stored_form.hpp"

#include <algorithm>
#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <chrono>
#include <fmt/format.h>
#include <functional>
#include <memory>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace jobmesh::actors {

namespace {

using storage::record_kind;

// What activity did to one candidate: the effect, and the held record's fields as given.
struct activity_overlay {
  match::activity_effect effect;
  std::optional<match::record_standing> as_given;  ///< empty until the candidate is held
};

using posting_ptr = std::shared_ptr<const match::prepared_posting>;
using candidate_ptr = std::shared_ptr<const match::prepared_candidate>;

// The records a shard holds, found by the id each carries: a slot is the record's pointer
// alone (16 bytes; a map from a copy of the id took 48), open addressing (a load inserts a
// million). Records are immutable once held: a write puts another in the place of its id.
template <class Record>
class held_records {
public:
  using pointer = std::shared_ptr<const Record>;

  /// The record with `id`, or null.
  const pointer* find(std::string_view id) const {
    auto it = set_.find(id);
    return it == set_.end() ? nullptr : &*it;
  }
  bool contains(std::string_view id) const { return set_.contains(id); }
  const pointer& at(std::string_view id) const {
    if (const auto* r = find(id))
      return *r;
    throw std::out_of_range(fmt::format("no record {} is held", id));
  }
  /// Holds `r`, in the place of the record with its id if there is one.
  void put(pointer r) {
    // One probe when the id is new (a load's million). The set takes `r` only when it inserts
    // (boost's emplace finds the key first), so `r` is whole when the id was held.
    if (auto [it, inserted] = set_.insert(std::move(r)); !inserted) {
      set_.erase(it);
      set_.insert(std::move(r));
    }
  }
  /// Whether a record with `id` was held.
  bool erase(std::string_view id) { return set_.erase(id) > 0; }
  void reserve(std::size_t n) { set_.reserve(n); }
  std::size_t size() const { return set_.size(); }
  auto begin() const { return set_.begin(); }
  auto end() const { return set_.end(); }

private:
  static std::string_view id_of(std::string_view id) { return id; }
  static std::string_view id_of(const pointer& r) { return r->id; }
  struct by_id_hash {
    using is_transparent = void;
    template <class T>
    std::size_t operator()(const T& x) const {
      return boost::hash<std::string_view>{}(id_of(x));
    }
  };
  struct by_id_equal {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return id_of(a) == id_of(b);
    }
  };
  boost::unordered_flat_set<pointer, by_id_hash, by_id_equal> set_;
};

// A kernel index and the records it was built from, in its input order (match_result::input).
// Records are immutable once held (a write replaces the pointer), so an index can be built on
// another thread from pointers to them while the shard takes writes.
struct built_index {
  match::batch_matcher matcher;
  std::vector<posting_ptr> postings;
  std::vector<candidate_ptr> candidates;
  std::chrono::milliseconds took{0};
};

/// What a whole build is built from: every record held when it started.
struct index_snapshot {
  std::vector<posting_ptr> postings;
  std::vector<candidate_ptr> candidates;
};

using build_atom = caf::atom_constant<caf::atom("build")>;

}  // namespace
}  // namespace jobmesh::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::index_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<jobmesh::actors::built_index>)

namespace jobmesh::actors {
namespace {

// The ids written (upserted or deleted) of one kind, since some point.
struct written_ids {
  std::unordered_set<std::string> postings, candidates;

  std::unordered_set<std::string>& of(record_kind kind) {
    return kind == record_kind::posting ? postings : candidates;
  }
  std::size_t size() const { return postings.size() + candidates.size(); }
  void clear() {
    postings.clear();
    candidates.clear();
  }
};

struct shard_state {
  held_records<match::prepared_posting> postings;
  held_records<match::prepared_candidate> candidates;
  std::shared_ptr<const match::normaliser> words;  ///< prepares what a load brings
  bool computed_engagement = true;  ///< activity.tracking: records' engagement is ignored
  std::unordered_map<std::string, activity_overlay> activity;  ///< by candidate id, held or not
  /// The records held when it was built (empty until the first build ends); records written
  /// since are retired in it and indexed in `recent` instead.
  std::optional<built_index> index;
  std::optional<built_index> recent;  ///< the records written since `index`; empty when stale
  written_ids recent_ids;             ///< their ids, held now
  std::size_t retired = 0;  ///< rows retired in `index` (updated or deleted since it was built)
  /// A whole build runs on its own thread; what was written since its snapshot, to be
  /// retired in its index when it lands.
  bool building = false;
  written_ids written_during_build;
  std::uint64_t generation = 0;  ///< a load moves it on: a build of an older one is dropped
  bool stale = false;            ///< `index` is past the limits below: a whole build is due
  std::vector<std::function<void()>> waiting;  ///< requests that need an index, in order
  std::string build_error;                     ///< why the last failed build failed
  bool rebuild_pending = false;               ///< a rebuild tick is on its way
  std::chrono::steady_clock::time_point last_write;
  std::chrono::milliseconds last_build{0};    ///< how long the last whole build took
  /// Live queries whose source this shard owns, waiting for the shards' parts, by gather id.
  struct gathering {
    caf::typed_response_promise<match_reply> promise;
    match::query q;
    std::string source;
    std::vector<explained_matches> parts;  ///< by shard
    std::size_t missing = 0;
    caf::error failed;  ///< the first part that failed
  };
  std::unordered_map<std::uint64_t, gathering> gathers;
  std::uint64_t next_gather = 0;
  static inline const char* name = "matcher_shard";
};

using shard_pointer = matcher_shard_actor::stateful_pointer<shard_state>;

template <class Record>
std::vector<const Record*> raw(const std::vector<std::shared_ptr<const Record>>& records) {
  std::vector<const Record*> out;
  out.reserve(records.size());
  for (const auto& r : records)
    out.push_back(r.get());
  return out;
}

built_index build(std::vector<posting_ptr> ps, std::vector<candidate_ptr> cs) {
  auto started = std::chrono::steady_clock::now();
  // In the order the records lie in memory: the build reads each once, and in the hash map's
  // order that took a cache miss per record (half of a 500k-posting build's time).
  auto by_address = [](const auto& a, const auto& b) { return std::less<>{}(a.get(), b.get()); };
  std::sort(ps.begin(), ps.end(), by_address);
  std::sort(cs.begin(), cs.end(), by_address);
  auto raw_postings = raw(ps);
  auto raw_candidates = raw(cs);
  match::batch_matcher matcher{std::span{raw_postings}, std::span{raw_candidates}};
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return {std::move(matcher), std::move(ps), std::move(cs), took};
}

// The records of `held`: all of them, or those of `ids`.
template <class Record>
std::vector<std::shared_ptr<const Record>> records_of(const held_records<Record>& held) {
  return {held.begin(), held.end()};
}

template <class Record>
std::vector<std::shared_ptr<const Record>> records_of(const held_records<Record>& held,
                                                      const std::unordered_set<std::string>& ids) {
  std::vector<std::shared_ptr<const Record>> out;
  out.reserve(ids.size());
  for (const auto& id : ids)
    out.push_back(held.at(id));
  return out;
}

// Records written since the index was built are indexed apart (rebuilt, in milliseconds, by
// the next query after a write) until they, or the rows retired in the index, are more than
// this many, or than this share of the shard: then the whole index is built again, on its own
// thread (about a second for 500k postings), while queries go on with the index and the
// records written since.
constexpr std::size_t k_recent_at_least = 2'048;
constexpr std::size_t k_recent_share = 128;

// Takes the indexed version of a written record out of `x`'s targets; whether it was there.
bool retire(built_index& x, record_kind kind, const std::string& id) {
  return kind == record_kind::posting ? x.matcher.retire_posting(id) : x.matcher.retire_candidate(id);
}

bool holds(const shard_state& st, record_kind kind, const std::string& id) {
  return kind == record_kind::posting ? st.postings.contains(id) : st.candidates.contains(id);
}

bool past_limits(const shard_state& st) {
  // Written records make the next query's small build longer; retired rows (deletes too) are
  // scanned past in the whole index: either, past the limit, is worth a whole build.
  auto limit = std::max(k_recent_at_least, (st.postings.size() + st.candidates.size()) / k_recent_share);
  return st.recent_ids.size() > limit || st.retired > limit;
}

void on_built(shard_pointer self, built_index& built, std::uint64_t generation);

// Starts a whole build of every record held on a thread of its own, unless one is running.
void start_build(shard_pointer self) {
  auto& st = self->state;
  if (st.building)
    return;
  st.building = true;
  st.stale = false;
  st.written_during_build.clear();
  auto generation = st.generation;
  // The int is unused: CAF 0.17 binds a null tuple for a function actor spawned without arguments.
  auto builder = self->spawn<caf::detached>(
      [](caf::event_based_actor* builder_self, int) -> caf::behavior {
        return {[=](build_atom, index_snapshot& records) {
          // Quit only once built: a stopping actor system waits for the build instead of
          // vanishing under it.
          auto out = std::make_shared<built_index>(build(std::move(records.postings), std::move(records.candidates)));
          builder_self->quit();
          return out;
        }};
      },
      0);
  self->request(builder, caf::infinite, build_atom::value, index_snapshot{records_of(st.postings), records_of(st.candidates)})
      .then([=](std::shared_ptr<built_index>& built) { on_built(self, *built, generation); },
            [=](caf::error& e) {
              // The build threw (out of memory, say): the index stays as it was, and the
              // requests waiting for one are answered with the error.
              auto& st = self->state;
              st.building = false;
              st.build_error = message_of(e);
              spdlog::error("matcher shard: index build failed: {}", st.build_error);
              for (auto& w : std::exchange(st.waiting, {}))
                w();  // each finds no index and fails (see with_index)
            });
}

// The index of the records written since the whole one, if a write dropped it.
void current_recent(shard_state& st) {
  if (!st.recent)
    st.recent.emplace(
        build(records_of(st.postings, st.recent_ids.postings), records_of(st.candidates, st.recent_ids.candidates)));
}

// A build landed: records written since its snapshot are retired in it and indexed apart, the
// requests waiting for an index run, and if the writes meanwhile passed the limits another
// build is due.
void on_built(shard_pointer self, built_index& built, std::uint64_t generation) {
  auto& st = self->state;
  st.building = false;
  if (generation != st.generation) {  // a load came since: build again from what it brought
    start_build(self);
    return;
  }
  st.last_build = built.took;
  spdlog::debug("matcher shard: index of {} postings and {} candidates built in {} ms; {} written meanwhile",
                built.postings.size(), built.candidates.size(), built.took.count(), st.written_during_build.size());
  st.index.emplace(std::move(built));
  st.recent.reset();
  st.recent_ids.clear();
  st.retired = 0;
  for (auto kind : {record_kind::posting, record_kind::candidate}) {
    for (const auto& id : st.written_during_build.of(kind)) {
      st.retired += retire(*st.index, kind, id) ? 1 : 0;
      if (holds(st, kind, id))
        st.recent_ids.of(kind).insert(id);
    }
  }
  st.written_during_build.clear();
  st.stale = past_limits(st);
  for (auto& w : std::exchange(st.waiting, {}))
    w();
}

// Runs `f()` once the shard has an index: now, or when the build it starts (or one running)
// lands; `failed(error)` instead if that build fails.
template <class F, class Failed>
void when_indexed(shard_pointer self, F f, Failed failed) {
  auto& st = self->state;
  if (st.index) {
    if (st.stale)
      start_build(self);  // on its own thread; this query goes on with what is here
    f();
    return;
  }
  st.waiting.push_back([=]() mutable {
    if (self->state.index)
      f();
    else
      failed(make_error(errc::internal, "matcher shard: index build failed: " + self->state.build_error));
  });
  start_build(self);
}

// Runs `f` (which answers through `promise`) once the shard has an index, as when_indexed.
template <class Reply, class F>
void with_index(shard_pointer self, caf::typed_response_promise<Reply> promise, F f) {
  when_indexed(
      self, [=]() mutable { f(promise); }, [=](caf::error e) mutable { promise.deliver(std::move(e)); });
}

source_ptr shared_source(prepared_record r) {
  return std::make_shared<const prepared_record>(std::move(r));
}

std::vector<source_ptr> shared_sources(std::vector<prepared_record> rs) {
  std::vector<source_ptr> out;
  out.reserve(rs.size());
  for (auto& r : rs)
    out.push_back(shared_source(std::move(r)));
  return out;
}

// Where both records have coordinates, how far apart they are.
std::optional<double> distance_of(const match::prepared_posting& p, const match::prepared_candidate& c) {
  if (p.coordinates && c.coordinates)
    return match::haversine_km(*p.coordinates, *c.coordinates);
  return std::nullopt;
}

// A result and the records that explain it; its distance is measured where it is kept
// (measure_distances), not for every result a shard offers.
explained_match explain(match::match_result r, posting_ptr p, candidate_ptr c) {
  explained_match out;
  out.result = std::move(r);
  out.posting = std::move(p);
  out.candidate = std::move(c);
  return out;
}

// The distance of each match whose records both have coordinates. The records are cold here
// (the scan read the kernel's columns, not them): asked for in a pass of their own, their
// lines come together rather than one result after another (measured in the shards, where
// every offered result took its miss: ~3% of the server's samples under live queries).
void measure_distances(explained_matches& matches) {
  for (const auto& m : matches) {
    __builtin_prefetch(&m.posting->coordinates);
    __builtin_prefetch(&m.candidate->coordinates);
  }
  for (auto& m : matches)
    m.distance_km = distance_of(*m.posting, *m.candidate);
}

// With top_per_company each shard sends the best k of its companies' best postings. That is
// enough: if a company's best posting overall is in the global top k, fewer than k companies
// beat it overall, so fewer than k beat it in its own shard, so its shard sent it. Keeping the
// first entry of each company in the merged order then gives the global answer. No distances
// here: merge_shard_results measures them, for the lists that leave the service.
explained_matches ranked(std::vector<explained_matches> parts, const match::query& q) {
  explained_matches all;
  for (auto& part : parts)
    std::move(part.begin(), part.end(), std::back_inserter(all));
  std::sort(all.begin(), all.end(), [](const explained_match& a, const explained_match& b) {
    return match::ranks_before(match::rank_key(a.result.score), a.result.id, match::rank_key(b.result.score),
                               b.result.id);
  });
  if (q.top_per_company && q.dir == match::direction::candidate) {
    std::unordered_set<std::string_view> seen;  // views into the records the matches hold
    std::erase_if(all, [&](const explained_match& m) { return !seen.insert(m.company()).second; });
  }
  if (all.size() > static_cast<std::size_t>(q.top_k))
    all.resize(static_cast<std::size_t>(q.top_k));
  return all;
}

explained_matches run_on(const built_index& x, const source_ptr& source, const match::query& q) {
  explained_matches out;
  if (const auto* c = std::get_if<match::prepared_candidate>(source.get())) {
    candidate_ptr shared{source, c};
    for (auto& r : x.matcher.run_one(*c, q).results) {
      const auto& p = x.postings[r.input];
      out.push_back(explain(std::move(r), p, shared));
    }
  } else {
    const auto* p = std::get_if<match::prepared_posting>(source.get());
    posting_ptr shared{source, p};
    for (auto& r : x.matcher.run_one(*p, q).results) {
      const auto& c = x.candidates[r.input];
      out.push_back(explain(std::move(r), shared, c));
    }
  }
  return out;
}

// The shard's best matches: those of its index and those of the records written since,
// merged as shards' lists are. Only with an index (see with_index).
explained_matches run_query(shard_state& st, const source_ptr& source, const match::query& q) {
  current_recent(st);
  auto out = run_on(*st.index, source, q);
  if (st.recent->postings.empty() && st.recent->candidates.empty())
    return out;
  return ranked({std::move(out), run_on(*st.recent, source, q)}, q);
}

// Scores `source` against each target this shard holds, with every factor.
pair_scores score_pairs(const shard_state& st, const source_ptr& source, const std::vector<std::string>& ids,
                        const match::profile& prof) {
  pair_scores out(ids.size());
  auto scored = [&](const posting_ptr& p, const candidate_ptr& c, const std::string& id) {
    match::match_result r;
    r.id = id;
    r.factors = match::reference_factors(*p, *c);
    r.score = match::combine(prof, r.factors);
    auto out = explain(std::move(r), p, c);
    out.distance_km = distance_of(*p, *c);
    return out;
  };
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (const auto* c = std::get_if<match::prepared_candidate>(source.get())) {
      if (const auto* p = st.postings.find(ids[i]))
        out[i] = scored(*p, candidate_ptr{source, c}, ids[i]);
    } else if (const auto* found = st.candidates.find(ids[i])) {
      out[i] = scored(posting_ptr{source, std::get_if<match::prepared_posting>(source.get())}, *found, ids[i]);
    }
  }
  return out;
}

std::optional<prepared_record> find_prepared(const shard_state& st, record_kind kind, const std::string& id) {
  if (kind == record_kind::posting) {
    if (const auto* p = st.postings.find(id))
      return prepared_record{**p};
  } else if (const auto* c = st.candidates.find(id)) {
    return prepared_record{**c};
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
  st.candidates.put(std::make_shared<const match::prepared_candidate>(std::move(c)));
}

// A record written after the index was built: its indexed version is retired there and the
// record is indexed among the recent ones; `held` is false for a delete. A build running
// retires it in its index when it lands. Without an index there is nothing to follow: the
// next build takes every record as it is.
void record_written(shard_state& st, record_kind kind, const std::string& id, bool held) {
  if (st.building)
    st.written_during_build.of(kind).insert(id);
  if (!st.index)
    return;
  auto& recent = st.recent_ids.of(kind);
  st.retired += retire(*st.index, kind, id) ? 1 : 0;
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
    if (const auto* held = st.candidates.find(id)) {
      if (!overlay.as_given)
        overlay.as_given = standing_fields(**held);
      auto updated = std::make_shared<match::prepared_candidate>(**held);  // held records are immutable
      set_standing(*updated, match::apply_activity(*overlay.as_given, overlay.effect));
      st.candidates.put(std::move(updated));
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

template <class Record>
std::vector<std::string> keys_of(const held_records<Record>& held) {
  std::vector<std::string> out;
  out.reserve(held.size());
  for (const auto& r : held)
    out.push_back(r->id);
  return out;
}

// A quiet moment after a burst of writes: build the index then, so the next query need not.
constexpr std::chrono::milliseconds k_rebuild_delay{200};

void index_changed(shard_pointer self) {
  auto& st = self->state;
  if (st.index && past_limits(st))
    st.stale = true;
  st.last_write = std::chrono::steady_clock::now();
  if (!std::exchange(st.rebuild_pending, true))
    self->delayed_send(self, k_rebuild_delay, tick_atom::value);
}

// Builds what the writes left to build once they have been quiet for the delay, or for twice
// the last whole build's time if that is longer: a stream of writes (a load's chunks, a long
// ingest) then spends at most a third of a core rebuilding, however large the shard grows.
// A query that finds the index stale starts the build sooner (see with_index).
void on_tick(shard_pointer self) {
  auto& st = self->state;
  auto wait = std::max(k_rebuild_delay, 2 * st.last_build);
  auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - st.last_write);
  if (quiet < wait) {
    self->delayed_send(self, wait - quiet, tick_atom::value);
    return;
  }
  st.rebuild_pending = false;
  if (!st.index || st.stale)
    start_build(self);
  else
    current_recent(st);
}

// Takes one shard's part of a load: the records of a chunk of stored forms.
template <class Prepared>
load_tally load_part(shard_pointer self, match::chunk_read<Prepared> parsed) {
  auto& st = self->state;
  const auto taken = parsed.records.size();
  if constexpr (std::is_same_v<typename decltype(parsed.records)::value_type, match::prepared_posting>) {
    // The postings stay where the reader put them, each held by a pointer that shares their
    // chunk: no allocation and copy of each (on this VM most of that was clearing fresh pages).
    // A posting written again later leaves its old version in the chunk until every posting of
    // the chunk is gone, so such versions take at most the memory of the load.
    auto chunk = std::make_shared<const std::vector<match::prepared_posting>>(std::move(parsed.records));
    for (const auto& prepared : *chunk)
      st.postings.put(posting_ptr(chunk, &prepared));
  } else {
    for (auto& prepared : parsed.records)
      take_candidate(st, std::move(prepared));
  }
  if (taken > 0) {
    // A load: the whole index is built again, and a build running now is of an older load.
    st.index.reset();
    st.recent.reset();
    st.recent_ids.clear();
    st.retired = 0;
    ++st.generation;
    index_changed(self);
  }
  return {static_cast<std::int64_t>(taken), static_cast<std::int64_t>(parsed.broken)};
}

// A part of a live query this shard gathers: kept, and once every shard's is in, merged and
// answered (the first failed part's error instead).
void take_part(shard_pointer self, std::uint64_t key, std::size_t slot, caf::expected<explained_matches> part) {
  auto& gathers = self->state.gathers;
  auto it = gathers.find(key);
  if (it == gathers.end())
    return;
  auto& g = it->second;
  if (!part) {
    if (!g.failed)
      g.failed = std::move(part.error());
  } else {
    g.parts[slot] = std::move(*part);
  }
  if (--g.missing != 0)
    return;
  if (g.failed)
    g.promise.deliver(std::move(g.failed));
  else
    g.promise.deliver(match_reply{std::move(g.source), g.q.prof->name, g.q.prof->used,
                                  merge_shard_results(std::move(g.parts), g.q)});
  gathers.erase(it);
}

// This shard's part of a live query, for the shard that gathers it (this one, or another:
// urgent there, so a part waits at most for the scan in progress, not the queue behind it).
void send_part(shard_pointer self, const caf::strong_actor_ptr& gatherer, std::uint64_t key, std::size_t slot,
               caf::expected<explained_matches> part) {
  if (gatherer == self->ctrl())
    return take_part(self, key, slot, std::move(part));
  auto to = caf::actor_cast<matcher_shard_actor>(gatherer);
  if (part)
    self->send<caf::message_priority::high>(to, part_atom::value, key, slot, std::move(*part));
  else
    self->send<caf::message_priority::high>(to, part_atom::value, key, slot, std::move(part.error()));
}

matcher_shard_actor::behavior_type shard(shard_pointer self, std::shared_ptr<const match::normaliser> words,
                                         bool computed_engagement, expected_records expected) {
  self->state.words = std::move(words);
  self->state.computed_engagement = computed_engagement;
  self->state.postings.reserve(expected.postings);
  self->state.candidates.reserve(expected.candidates);
  return {
      [=](load_atom, record_kind kind, const std::string& chunk) -> caf::result<load_tally> {
        try {
          if (kind == record_kind::posting)
            return load_part(self, match::read_posting_chunk(chunk));
          return load_part(self, match::read_candidate_chunk(chunk));
        } catch (const std::invalid_argument& e) {  // storage gave bytes that are no forms
          return make_error(errc::storage_failure,
                            fmt::format("{}; the records themselves are intact: deleting the stored forms "
                                        "(DELETE FROM {}_forms, with the server stopped) makes the next start "
                                        "prepare them again",
                                        e.what(), storage::noun_of(kind)));
        }
      },
      [=](upsert_atom, std::vector<prepared_record>& records) {
        auto& st = self->state;
        for (auto& r : records) {
          if (auto* p = std::get_if<match::prepared_posting>(&r)) {
            auto id = p->id;
            st.postings.put(std::make_shared<const match::prepared_posting>(std::move(*p)));
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
        bool held = kind == record_kind::posting ? st.postings.erase(id) : st.candidates.erase(id);
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
          const shard_set_ptr& set) -> caf::result<match_reply> {
        auto& st = self->state;
        auto found = find_prepared(st, kind, id);
        if (!found)
          return make_error(errc::not_found, fmt::format("no {} {}", storage::noun_of(kind), id));
        auto promise = self->make_response_promise<match_reply>();
        auto key = ++st.next_gather;
        const auto n = set->shards.size();
        st.gathers.emplace(key, shard_state::gathering{promise, q, id, std::vector<explained_matches>(n), n, {}});
        auto source = shared_source(std::move(*found));
        for (std::size_t s = 0; s < n; ++s)
          self->send(set->shards[s], match_atom::value, part_atom::value, key, s, source, q);
        return promise;
      },
      [=](match_atom, part_atom, std::uint64_t key, std::size_t slot, const source_ptr& source,
          const match::query& q) {
        auto gatherer = self->current_sender();
        when_indexed(
            self, [=] { send_part(self, gatherer, key, slot, run_query(self->state, source, q)); },
            [=](caf::error e) { send_part(self, gatherer, key, slot, std::move(e)); });
      },
      [=](part_atom, std::uint64_t key, std::size_t slot, explained_matches& part) {
        take_part(self, key, slot, std::move(part));
      },
      [=](part_atom, std::uint64_t key, std::size_t slot, caf::error& e) { take_part(self, key, slot, std::move(e)); },
      [=](match_atom, std::vector<prepared_record>& given, const match::query& q) {
        auto promise = self->make_response_promise<std::vector<explained_matches>>();
        with_index(self, promise, [=, sources = shared_sources(std::move(given))](caf::typed_response_promise<std::vector<explained_matches>>& p) {
          std::vector<explained_matches> out;
          out.reserve(sources.size());
          for (const auto& source : sources)
            out.push_back(run_query(self->state, source, q));
          p.deliver(std::move(out));
        });
        return promise;
      },
      [=](score_atom, const prepared_record& source, const std::vector<std::string>& ids, const match::query& q) {
        return score_pairs(self->state, shared_source(source), ids, *q.prof);
      },
      [=](tick_atom) { on_tick(self); },
  };
}

}  // namespace

explained_matches merge_shard_results(std::vector<explained_matches> parts, const match::query& q) {
  auto all = ranked(std::move(parts), q);
  measure_distances(all);
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
                                        bool computed_engagement, expected_records expected) {
  return sys.spawn<caf::detached>(shard, std::move(words), computed_engagement, expected);
}

}  // namespace jobmesh::actors
