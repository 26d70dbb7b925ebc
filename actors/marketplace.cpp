#include "actors/marketplace.hpp"

#include "actors/detail/gather.hpp"
#include "actors/detail/held_requests.hpp"
#include "actors/errors.hpp"
#include "actors/matcher_shard.hpp"
#include "match/prepared.hpp"
#include "match/stored_form.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>
#include <unordered_set>

namespace jobmesh::actors {

namespace {

using storage::record_kind;
using per_shard = std::vector<std::vector<prepared_record>>;

struct marketplace_state {
  std::vector<matcher_shard_actor> shards;
  shard_set_ptr shard_set;  ///< the same shards, for a live query's owner to scatter it
  storage_writer_actor writer;
  record_reader_actor reader;
  std::shared_ptr<const match::normaliser> words;
  std::shared_ptr<const match::profile_set> profiles;  ///< queries point into it
  /// The shards hold what storage holds: its records and, with activity tracking, the effects
  /// of its stored activity (without them a query just after a restart ranked as if nobody
  /// had done anything). Requests wait until then.
  bool loaded() const { return records_loaded && !awaiting_activity; }
  bool records_loaded = false;
  bool awaiting_activity = false;  ///< until the activity tracker says its stored effects are in
  detail::held_requests held;  ///< requests that came before the load ended
  static inline const char* name = "marketplace";
};

using marketplace_pointer = marketplace_actor::stateful_pointer<marketplace_state>;

// Until the shards hold what storage holds, a request waits: an ingest that overtook the load
// would be overwritten by older data, and a query would miss records.
template <class Reply, class... Ts>
caf::typed_response_promise<Reply> hold(marketplace_pointer self, Ts... xs) {
  return detail::hold_request<marketplace_actor, Reply>(self, self->state.held, std::move(xs)...);
}

using detail::gather;

// Sends each shard its part (`parts[s]`, skipped when empty) as `(atom, part)`; `done(error)`
// runs once, after every shard answered.
template <class Atom, class T, class Done>
void to_shards(marketplace_pointer self, Atom atom, std::vector<std::vector<T>> parts, Done done) {
  std::vector<std::size_t> busy;
  for (std::size_t s = 0; s < parts.size(); ++s)
    if (!parts[s].empty())
      busy.push_back(s);
  auto shared = std::make_shared<std::vector<std::vector<T>>>(std::move(parts));
  gather<caf::ok_atom>(
      busy.size(),
      [=](std::size_t i) {
        return self->request(self->state.shards[busy[i]], caf::infinite, atom, std::move((*shared)[busy[i]]));
      },
      [=](std::vector<caf::ok_atom>, caf::error e) mutable { done(std::move(e)); });
}

template <class Record>
void ingest_records(marketplace_pointer self, match::read_result<Record> parsed,
                    caf::typed_response_promise<ingest_reply> promise) {
  ingest_reply reply{static_cast<std::int64_t>(parsed.records.size()), std::move(parsed.errors), {}};
  reply.ids.reserve(parsed.records.size());
  for (const auto& r : parsed.records)
    reply.ids.push_back(r.id);
  if (parsed.records.empty()) {
    promise.deliver(std::move(reply));
    return;
  }
  // Each record prepared once: for the shard that owns it, and as the form stored beside it
  // (a load at start reads that form instead of the record's JSON).
  const auto& st = self->state;
  per_shard parts(st.shards.size());
  storage::write_batch batch;
  batch.records.reserve(parsed.records.size());
  for (std::size_t i = 0; i < parsed.records.size(); ++i) {
    auto prepared = match::prepare(parsed.records[i], *st.words);
    std::string form;
    match::append_form(prepared, form);
    parts[shard_of(prepared.id, parts.size())].emplace_back(std::move(prepared));
    std::string text{i < parsed.sources.size() ? parsed.sources[i] : std::string_view{}};  // stored as given
    batch.records.emplace_back(
        storage::record_upsert<Record>{std::move(parsed.records[i]), std::move(text), std::move(form)});
  }
  self->request(self->state.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) mutable {
            to_shards(self, upsert_atom::value, std::move(parts), [=](caf::error e) mutable {
              if (e)
                promise.deliver(std::move(e));
              else
                promise.deliver(std::move(reply));
            });
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
}

caf::result<ingest_reply> ingest(marketplace_pointer self, record_kind kind, std::string& body) {
  if (!self->state.loaded())
    return hold<ingest_reply>(self, ingest_atom::value, kind, std::move(body));
  auto promise = self->make_response_promise<ingest_reply>();
  if (kind == record_kind::posting)
    ingest_records(self, match::read_postings(body), promise);
  else
    ingest_records(self, match::read_candidates(body), promise);
  return promise;
}

caf::result<caf::ok_atom> remove(marketplace_pointer self, record_kind kind, const std::string& id) {
  if (!self->state.loaded())
    return hold<caf::ok_atom>(self, delete_atom::value, kind, id);
  auto promise = self->make_response_promise<caf::ok_atom>();
  auto owner = self->state.shards[shard_of(id, self->state.shards.size())];
  storage::write_batch batch;
  batch.records.emplace_back(storage::record_delete{kind, id});
  self->request(self->state.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) mutable {
            self->request(owner, caf::infinite, delete_atom::value, kind, id)
                .then(
                    [=](bool held) mutable {
                      if (held)
                        promise.deliver(caf::ok_atom::value);
                      else
                        promise.deliver(make_error(errc::not_found, fmt::format("no {} {}", storage::noun_of(kind), id)));
                    },
                    [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

caf::error unknown_profile(const marketplace_state& st, const std::string& name) {
  return make_error(errc::invalid_argument,
                    fmt::format("profile: unknown profile '{}'; known: {}", name, fmt::join(st.profiles->names(), ", ")),
                    "profile");
}

// The options as a kernel query, or an error naming the option that is wrong.
std::variant<match::query, caf::error> make_query(const marketplace_state& st, record_kind source,
                                                  const match_options& o) {
  match::query q;
  q.dir = source == record_kind::candidate ? match::direction::candidate : match::direction::posting;
  q.prof = st.profiles->find(o.profile);
  if (q.prof == nullptr)
    return unknown_profile(st, o.profile);
  q.top_k = o.top_k;
  q.min_score = o.min_score;
  q.top_per_company = o.top_per_company;
  q.filters = o.filters;
  if (auto problem = match::check(q))
    return make_error(errc::invalid_argument, *problem);
  return q;
}

// Ids grouped by the shard that owns each, with their positions in the request.
struct by_owner {
  std::vector<std::vector<std::string>> ids;
  std::vector<std::vector<std::size_t>> positions;
};

by_owner group_by_owner(std::size_t shards, const std::vector<std::string>& ids) {
  by_owner out;
  out.ids.resize(shards);
  out.positions.resize(shards);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto s = shard_of(ids[i], shards);
    out.ids[s].push_back(ids[i]);
    out.positions[s].push_back(i);
  }
  return out;
}

// Asks each shard about the ids it owns (`ask(shard, its ids)` makes the request) and puts the
// answers, one per id, back in the order of `ids`: `done(all, error)`.
template <class Reply, class Ask, class Done>
void ask_owners(marketplace_pointer self, const std::vector<std::string>& ids, Ask ask, Done done) {
  auto groups = std::make_shared<by_owner>(group_by_owner(self->state.shards.size(), ids));
  auto n = ids.size();
  gather<Reply>(
      self->state.shards.size(), [=](std::size_t s) { return ask(self->state.shards[s], groups->ids[s]); },
      [=](std::vector<Reply> parts, caf::error e) mutable {
        Reply all(n);
        for (std::size_t s = 0; s < parts.size(); ++s)
          for (std::size_t k = 0; k < parts[s].size(); ++k)
            all[groups->positions[s][k]] = std::move(parts[s][k]);
        done(std::move(all), std::move(e));
      });
}

// The prepared records of `ids` from their owners, in the order of `ids`.
template <class Done>
void lookup(marketplace_pointer self, record_kind kind, const std::vector<std::string>& ids, Done done) {
  ask_owners<prepared_lookup>(
      self, ids,
      [=](const matcher_shard_actor& shard, const std::vector<std::string>& part) {
        return self->request(shard, caf::infinite, caf::get_atom::value, kind, part);
      },
      std::move(done));
}

// Many sources' best matches: one request per shard for all of them.
caf::result<match_batch> find_many(marketplace_pointer self, record_kind kind, std::vector<std::string>& ids,
                                   match_options& options) {
  auto& st = self->state;
  if (!st.loaded())
    return hold<match_batch>(self, match_atom::value, kind, std::move(ids), std::move(options));
  auto made = make_query(st, kind, options);
  if (auto* e = std::get_if<caf::error>(&made))
    return std::move(*e);
  auto q = std::get<match::query>(made);
  auto promise = self->make_response_promise<match_batch>();
  auto profile = options.profile;
  lookup(self, kind, ids, [=](prepared_lookup found, caf::error e) mutable {
    if (e) {
      promise.deliver(std::move(e));
      return;
    }
    auto sources = std::make_shared<std::vector<prepared_record>>();
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i < found.size(); ++i)
      if (found[i]) {
        sources->push_back(std::move(*found[i]));
        positions.push_back(i);
      }
    auto n = ids.size();
    gather<std::vector<explained_matches>>(
        self->state.shards.size(),
        [=](std::size_t s) { return self->request(self->state.shards[s], caf::infinite, match_atom::value, *sources, q); },
        [=](std::vector<std::vector<explained_matches>> parts, caf::error e) mutable {
          if (e) {
            promise.deliver(std::move(e));
            return;
          }
          match_batch out(n);
          for (std::size_t k = 0; k < positions.size(); ++k) {
            std::vector<explained_matches> per_shard_results;
            for (auto& part : parts)
              per_shard_results.push_back(std::move(part[k]));
            out[positions[k]] = match_reply{ids[positions[k]], profile, q.prof->used,
                                            merge_shard_results(std::move(per_shard_results), q)};
          }
          promise.deliver(std::move(out));
        });
  });
  return promise;
}

// One source against given targets, each scored by the shard that holds it.
caf::result<pair_scores> score_targets(marketplace_pointer self, record_kind kind, const std::string& id,
                                       std::vector<std::string>& targets, const std::string& profile) {
  auto& st = self->state;
  if (!st.loaded())
    return hold<pair_scores>(self, score_atom::value, kind, id, std::move(targets), profile);
  match::query q;
  q.prof = st.profiles->find(profile);
  if (q.prof == nullptr)
    return unknown_profile(st, profile);
  auto promise = self->make_response_promise<pair_scores>();
  auto owner = st.shards[shard_of(id, st.shards.size())];
  self->request(owner, caf::infinite, caf::get_atom::value, kind, id)
      .then(
          [=](prepared_record& source) mutable {
            ask_owners<pair_scores>(
                self, targets,
                [=](const matcher_shard_actor& shard, const std::vector<std::string>& part) {
                  return self->request(shard, caf::infinite, score_atom::value, source, part, q);
                },
                [=](pair_scores all, caf::error e) mutable {
                  if (e)
                    promise.deliver(std::move(e));
                  else
                    promise.deliver(std::move(all));
                });
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

caf::result<prepared_lookup> find_prepared(marketplace_pointer self, record_kind kind, std::vector<std::string>& ids) {
  if (!self->state.loaded())
    return hold<prepared_lookup>(self, caf::get_atom::value, kind, std::move(ids));
  auto promise = self->make_response_promise<prepared_lookup>();
  lookup(self, kind, ids, [=](prepared_lookup found, caf::error e) mutable {
    if (e)
      promise.deliver(std::move(e));
    else
      promise.deliver(std::move(found));
  });
  return promise;
}

// Effects go to their owners whether or not the load has ended: a shard keeps an effect for a
// candidate it does not hold yet and applies it when the candidate comes.
caf::result<caf::ok_atom> take_effects(marketplace_pointer self, std::vector<match::activity_effect>& effects) {
  std::vector<std::vector<match::activity_effect>> parts(self->state.shards.size());
  for (auto& e : effects)
    parts[shard_of(e.candidate_id, parts.size())].push_back(std::move(e));
  auto promise = self->make_response_promise<caf::ok_atom>();
  to_shards(self, activity_atom::value, std::move(parts), [=](caf::error e) mutable {
    if (e)
      promise.deliver(std::move(e));
    else
      promise.deliver(caf::ok_atom::value);
  });
  return promise;
}

caf::result<held_effects> find_effects(marketplace_pointer self, const std::vector<std::string>& ids) {
  auto promise = self->make_response_promise<held_effects>();
  ask_owners<held_effects>(
      self, ids,
      [=](const matcher_shard_actor& shard, const std::vector<std::string>& part) {
        return self->request(shard, caf::infinite, activity_atom::value, part);
      },
      [=](held_effects all, caf::error e) mutable {
        if (e)
          promise.deliver(std::move(e));
        else
          promise.deliver(std::move(all));
      });
  return promise;
}

// Every id of `kind` the shards hold, sorted.
caf::result<std::vector<std::string>> all_ids(marketplace_pointer self, record_kind kind) {
  if (!self->state.loaded())
    return hold<std::vector<std::string>>(self, ids_atom::value, kind);
  auto promise = self->make_response_promise<std::vector<std::string>>();
  gather<std::vector<std::string>>(
      self->state.shards.size(),
      [=](std::size_t s) { return self->request(self->state.shards[s], caf::infinite, ids_atom::value, kind); },
      [=](std::vector<std::vector<std::string>> parts, caf::error e) mutable {
        if (e) {
          promise.deliver(std::move(e));
          return;
        }
        std::vector<std::string> all;
        for (auto& part : parts)
          std::move(part.begin(), part.end(), std::back_inserter(all));
        std::sort(all.begin(), all.end());
        promise.deliver(std::move(all));
      });
  return promise;
}

caf::result<match_reply> find_matches(marketplace_pointer self, record_kind kind, const std::string& id,
                                      match_options& options) {
  auto& st = self->state;
  if (!st.loaded())
    return hold<match_reply>(self, match_atom::value, kind, id, std::move(options));
  auto made = make_query(st, kind, options);
  if (auto* e = std::get_if<caf::error>(&made))
    return std::move(*e);
  // The source's owner takes the query ahead of its queued scans (urgent), sends it to every
  // shard (itself included) at the back of their mailboxes, gathers their parts (sent to it
  // urgent) and answers here. The shards so take the queries in one order, each a part of the
  // same one at about the same time, and a query crosses between this service's thread and the
  // shards' four times, where asking the owner for the source, then each shard for its part,
  // took six. (Delegating the query to the owner, which would answer the caller itself, does
  // not work in CAF 0.17: an answer's id keeps the request's priority, so the caller, which
  // asked at normal priority, would not know an urgent answer for its own.) When the owner
  // asked the others and merged their parts in its own mailbox's order, a query queued at the
  // owner, then at another shard, then at the owner again for the merge: under a closed loop
  // of 32 connections it waited ~1.3 ms for the owner and ~2.4 ms more for the other shard's
  // part, of ~4 ms in the server at the median.
  auto promise = self->make_response_promise<match_reply>();
  const auto& owner = st.shards[shard_of(id, st.shards.size())];
  self->request<caf::message_priority::high>(owner, caf::infinite, match_atom::value, kind, id,
                                             std::get<match::query>(std::move(made)), st.shard_set)
      .then([=](match_reply& reply) mutable { promise.deliver(std::move(reply)); },
            [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

// Loading reads storage in chunks of this many records, by id, each split by the reader into a
// text per shard; the shards parse and prepare their parts in parallel. At most this many
// chunks are at the shards at a time, so the reader reads ahead but memory holds a few chunks,
// not the whole table (~55 MB of text a chunk of 100k postings). 1M postings loaded in
// chunks of 100k took ~5% less time than in 50k (6 of 6 interleaved runs) and ~10% less than
// in 16k.
constexpr std::int64_t k_load_chunk = 100'000;
constexpr std::size_t k_load_chunks_ahead = 2;

struct load_progress {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  record_kind kind = record_kind::posting;  ///< the table being read
  std::string after;                        ///< the last id read of it
  std::size_t postings = 0;
  std::size_t candidates = 0;
  std::size_t broken = 0;
  std::size_t at_shards = 0;  ///< chunks sent to the shards, not yet acknowledged by all
  std::size_t reported = 0;   ///< records at the last progress line
  bool reading = false;       ///< a read is on its way
  bool read_all = false;
};

void read_next_chunk(marketplace_pointer self, const std::shared_ptr<load_progress>& lp);

// Answers what waited once the records and the stored activity are both in the shards (each
// becomes true once, so this replays once).
void open_if_loaded(marketplace_pointer self) {
  if (self->state.loaded())
    detail::replay(self->state.held);
}

void finish_load_if_done(marketplace_pointer self, const std::shared_ptr<load_progress>& lp) {
  if (!lp->read_all || lp->at_shards > 0)
    return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - lp->started).count();
  spdlog::info("marketplace: {} postings and {} candidates loaded into {} shards in {} ms", lp->postings,
               lp->candidates, self->state.shards.size(), ms);
  if (lp->broken > 0)
    spdlog::warn("marketplace: {} stored records no longer pass the rules; skipped", lp->broken);
  self->state.records_loaded = true;
  open_if_loaded(self);
}

// Sends each shard its part of one chunk; when all have taken theirs, counts them and reads on.
void send_chunk(marketplace_pointer self, const std::shared_ptr<load_progress>& lp, record_kind kind,
                std::vector<std::string> texts) {
  auto shared = std::make_shared<std::vector<std::string>>(std::move(texts));
  ++lp->at_shards;
  gather<load_tally>(
      self->state.shards.size(),
      [=](std::size_t s) {
        return self->request(self->state.shards[s], caf::infinite, load_atom::value, kind, std::move((*shared)[s]));
      },
      [=](std::vector<load_tally> parts, caf::error e) {
        if (e) {
          spdlog::error("marketplace: loading records failed: {}", message_of(e));
          return self->quit(std::move(e));
        }
        for (auto [taken, broken] : parts) {  // from shards of this chunk's kind
          (kind == record_kind::posting ? lp->postings : lp->candidates) += static_cast<std::size_t>(taken);
          lp->broken += static_cast<std::size_t>(broken);
        }
        --lp->at_shards;
        auto total = lp->postings + lp->candidates;
        if (total - lp->reported >= static_cast<std::size_t>(k_load_chunk) * 4) {
          lp->reported = total;
          spdlog::info("marketplace: loading, {} postings and {} candidates so far", lp->postings, lp->candidates);
        }
        read_next_chunk(self, lp);
        finish_load_if_done(self, lp);
      });
}

// Storage -> shards, postings then candidates, a chunk at a time; then the requests that waited
// run.
void read_next_chunk(marketplace_pointer self, const std::shared_ptr<load_progress>& lp) {
  if (lp->read_all || lp->reading || lp->at_shards >= k_load_chunks_ahead)
    return;
  lp->reading = true;
  auto kind = lp->kind;
  self->request(self->state.reader, caf::infinite, load_atom::value, kind, lp->after, k_load_chunk,
                static_cast<std::int64_t>(self->state.shards.size()))
      .then(
          [=](std::vector<std::string>& texts, std::string& last) {
            lp->reading = false;
            if (last.empty()) {
              if (kind == record_kind::posting) {
                lp->kind = record_kind::candidate;
                lp->after.clear();
              } else {
                lp->read_all = true;
              }
            } else {
              lp->after = std::move(last);
              send_chunk(self, lp, kind, std::move(texts));
            }
            read_next_chunk(self, lp);
            finish_load_if_done(self, lp);
          },
          [=](caf::error& e) {
            spdlog::error("marketplace: loading records failed: {}", message_of(e));
            self->quit(std::move(e));
          });
}

void load(marketplace_pointer self) {
  read_next_chunk(self, std::make_shared<load_progress>());
}

marketplace_actor::behavior_type marketplace(marketplace_pointer self, config::matching_settings settings,
                                             bool computed_engagement, storage_writer_actor writer,
                                             record_reader_actor reader, expected_records stored) {
  auto& st = self->state;
  st.writer = std::move(writer);
  st.reader = std::move(reader);
  st.awaiting_activity = computed_engagement;
  st.words = std::make_shared<const match::normaliser>(settings.synonyms);
  auto profiles = std::make_shared<match::profile_set>();
  for (const auto& problem : profiles->add(settings.profiles))
    spdlog::error("marketplace: {}", problem);  // config validation rejects these at start
  st.profiles = std::move(profiles);
  auto n = settings.shards > 0 ? static_cast<std::size_t>(settings.shards)
                               : std::max(1u, std::thread::hardware_concurrency());
  // A shard's share of a load, with room for the spread of the ids' hashes (a few hundred in
  // half a million) so that the last records do not make its table grow after all.
  auto share = [n](std::size_t total) { return total == 0 ? 0 : total / n + total / n / 32 + 64; };
  expected_records mine{share(stored.postings), share(stored.candidates)};
  for (std::size_t s = 0; s < n; ++s) {
    st.shards.push_back(spawn_matcher_shard(self->system(), st.words, computed_engagement, mine));
    self->link_to(st.shards.back());  // they stop with the service
  }
  st.shard_set = std::make_shared<const shard_set>(shard_set{st.shards});
  load(self);
  return {
      [=](ingest_atom, record_kind kind, std::string& body) { return ingest(self, kind, body); },
      [=](delete_atom, record_kind kind, const std::string& id) { return remove(self, kind, id); },
      [=](caf::get_atom, record_kind kind, const std::string& id) -> caf::result<std::string> {
        return self->delegate(self->state.reader, caf::get_atom::value, kind, id);
      },
      [=](list_atom, record_kind kind, const std::string& after, std::int64_t limit)
          -> caf::result<std::vector<std::string>> {
        return self->delegate(self->state.reader, list_atom::value, kind, after, limit);
      },
      [=](match_atom, record_kind kind, const std::string& id, match_options& options) {
        return find_matches(self, kind, id, options);
      },
      [=](match_atom, record_kind kind, std::vector<std::string>& ids, match_options& options) {
        return find_many(self, kind, ids, options);
      },
      [=](score_atom, record_kind kind, const std::string& id, std::vector<std::string>& targets,
          const std::string& profile) { return score_targets(self, kind, id, targets, profile); },
      [=](ids_atom, record_kind kind) { return all_ids(self, kind); },
      [=](caf::get_atom, record_kind kind, std::vector<std::string>& ids) { return find_prepared(self, kind, ids); },
      [=](activity_atom, std::vector<match::activity_effect>& effects) { return take_effects(self, effects); },
      [=](activity_atom, const std::vector<std::string>& ids) { return find_effects(self, ids); },
      [=](activity_atom, caf::ok_atom) {
        self->state.awaiting_activity = false;
        open_if_loaded(self);
      },
  };
}

}  // namespace

marketplace_actor spawn_marketplace(caf::actor_system& sys, const config::matching_settings& settings,
                                    bool computed_engagement, storage_writer_actor writer,
                                    record_reader_actor reader, expected_records stored) {
  return sys.spawn(marketplace, settings, computed_engagement, std::move(writer), std::move(reader), stored);
}

}  // namespace jobmesh::actors
