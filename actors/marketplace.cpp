#include "actors/marketplace.hpp"

#include "actors/errors.hpp"
#include "actors/matcher_shard.hpp"
#include "match/prepared.hpp"

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
  storage_writer_actor writer;
  record_reader_actor reader;
  std::shared_ptr<const match::normaliser> words;
  std::shared_ptr<const match::profile_set> profiles;  ///< queries point into it
  bool loaded = false;
  std::vector<std::function<void()>> held;  ///< requests that came before the load ended
  static inline const char* name = "marketplace";
};

using marketplace_pointer = marketplace_actor::stateful_pointer<marketplace_state>;

// Until the shards hold what storage holds, a request waits: an ingest that overtook the load
// would be overwritten by older data, and a query would miss records.
template <class... Reply, class... Ts>
caf::typed_response_promise<Reply...> hold(marketplace_pointer self, Ts... xs) {
  auto promise = self->make_response_promise<Reply...>();
  self->state.held.push_back(
      [self, promise, xs...]() mutable { promise.delegate(caf::actor_cast<marketplace_actor>(self), xs...); });
  return promise;
}

// Normalised records, grouped by the shard that owns each.
template <class Record>
void split(const marketplace_state& st, const std::vector<Record>& records, per_shard& out) {
  out.resize(st.shards.size());
  for (const auto& r : records)
    out[shard_of(r.id, st.shards.size())].emplace_back(match::prepare(r, *st.words));
}

// Sends each shard its upserts; `done(error)` runs once, after every shard answered.
template <class Done>
void to_shards(marketplace_pointer self, per_shard parts, Done done) {
  struct fan_in {
    std::size_t left = 0;
    bool failed = false;
  };
  auto state = std::make_shared<fan_in>();
  for (const auto& part : parts)
    state->left += part.empty() ? 0 : 1;
  if (state->left == 0)
    return done(caf::error{});
  for (std::size_t s = 0; s < parts.size(); ++s) {
    if (parts[s].empty())
      continue;
    self->request(self->state.shards[s], caf::infinite, upsert_atom::value, std::move(parts[s]))
        .then(
            [=](caf::ok_atom) mutable {
              if (--state->left == 0 && !state->failed)
                done(caf::error{});
            },
            [=](caf::error& e) mutable {
              if (!state->failed) {
                state->failed = true;
                done(std::move(e));
              }
            });
  }
}

template <class Record>
void ingest_records(marketplace_pointer self, match::read_result<Record> parsed,
                    caf::typed_response_promise<ingest_reply> promise) {
  ingest_reply reply{static_cast<std::int64_t>(parsed.records.size()), std::move(parsed.errors)};
  if (parsed.records.empty()) {
    promise.deliver(std::move(reply));
    return;
  }
  per_shard parts;
  split(self->state, parsed.records, parts);
  storage::write_batch batch;
  for (auto& r : parsed.records)
    batch.records.emplace_back(std::move(r));
  self->request(self->state.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) mutable {
            to_shards(self, std::move(parts), [=](caf::error e) mutable {
              if (e)
                promise.deliver(std::move(e));
              else
                promise.deliver(std::move(reply));
            });
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
}

caf::result<ingest_reply> ingest(marketplace_pointer self, record_kind kind, std::string& body) {
  if (!self->state.loaded)
    return hold<ingest_reply>(self, ingest_atom::value, kind, std::move(body));
  auto promise = self->make_response_promise<ingest_reply>();
  if (kind == record_kind::posting)
    ingest_records(self, match::read_postings(body), promise);
  else
    ingest_records(self, match::read_candidates(body), promise);
  return promise;
}

caf::result<caf::ok_atom> remove(marketplace_pointer self, record_kind kind, const std::string& id) {
  if (!self->state.loaded)
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

// The options as a kernel query, or an error naming the option that is wrong.
std::variant<match::query, caf::error> make_query(const marketplace_state& st, record_kind source,
                                                  const match_options& o) {
  match::query q;
  q.dir = source == record_kind::candidate ? match::direction::candidate : match::direction::posting;
  q.prof = st.profiles->find(o.profile);
  if (q.prof == nullptr)
    return make_error(errc::invalid_argument, fmt::format("profile: unknown profile '{}'; known: {}", o.profile,
                                                          fmt::join(st.profiles->names(), ", ")));
  q.top_k = o.top_k;
  q.min_score = o.min_score;
  q.top_per_company = o.top_per_company;
  q.filters = o.filters;
  if (auto problem = match::check(q))
    return make_error(errc::invalid_argument, *problem);
  return q;
}

// Every shard answers with its local top-k; the merge is the global answer.
void scatter(marketplace_pointer self, prepared_record source, match::query q, std::string id, std::string profile,
             caf::typed_response_promise<match_reply> promise) {
  auto n = self->state.shards.size();
  auto parts = std::make_shared<std::vector<explained_matches>>(n);
  auto left = std::make_shared<std::size_t>(n);
  auto failed = std::make_shared<bool>(false);
  for (std::size_t s = 0; s < n; ++s)
    self->request(self->state.shards[s], caf::infinite, match_atom::value, source, q)
        .then(
            [=](explained_matches& found) mutable {
              (*parts)[s] = std::move(found);
              if (--*left == 0 && !*failed)
                promise.deliver(match_reply{id, profile, q.prof->used, merge_shard_results(std::move(*parts), q)});
            },
            [=](caf::error& e) mutable {
              if (!std::exchange(*failed, true))
                promise.deliver(std::move(e));
            });
}

caf::result<match_reply> find_matches(marketplace_pointer self, record_kind kind, const std::string& id,
                                      match_options& options) {
  auto& st = self->state;
  if (!st.loaded)
    return hold<match_reply>(self, match_atom::value, kind, id, std::move(options));
  auto made = make_query(st, kind, options);
  if (auto* e = std::get_if<caf::error>(&made))
    return std::move(*e);
  auto q = std::get<match::query>(made);
  auto promise = self->make_response_promise<match_reply>();
  auto owner = st.shards[shard_of(id, st.shards.size())];
  auto profile = options.profile;
  self->request(owner, caf::infinite, caf::get_atom::value, kind, id)
      .then([=](prepared_record& source) mutable { scatter(self, std::move(source), q, id, profile, promise); },
            [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

// Storage -> shards, postings then candidates; then the requests that waited run.
void load(marketplace_pointer self) {
  auto started = std::chrono::steady_clock::now();
  auto on_error = [=](caf::error& e) {
    spdlog::error("marketplace: loading records failed: {}", message_of(e));
    self->quit(std::move(e));
  };
  self->request(self->state.reader, caf::infinite, load_atom::value, record_kind::posting)
      .then(
          [=](std::string& posting_lines) {
            auto postings = match::read_postings(posting_lines);
            self->request(self->state.reader, caf::infinite, load_atom::value, record_kind::candidate)
                .then(
                    [=](std::string& candidate_lines) mutable {
                      auto candidates = match::read_candidates(candidate_lines);
                      per_shard parts;
                      split(self->state, postings.records, parts);
                      split(self->state, candidates.records, parts);
                      auto counts = std::pair{postings.records.size(), candidates.records.size()};
                      auto broken = postings.errors.size() + candidates.errors.size();
                      to_shards(self, std::move(parts), [=](caf::error e) {
                        if (e)
                          return self->quit(std::move(e));
                        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - started).count();
                        spdlog::info("marketplace: {} postings and {} candidates loaded into {} shards in {} ms",
                                     counts.first, counts.second, self->state.shards.size(), ms);
                        if (broken > 0)
                          spdlog::warn("marketplace: {} stored records no longer pass the rules; skipped", broken);
                        self->state.loaded = true;
                        for (auto& replay : std::exchange(self->state.held, {}))
                          replay();
                      });
                    },
                    on_error);
          },
          on_error);
}

marketplace_actor::behavior_type marketplace(marketplace_pointer self, config::matching_settings settings,
                                             storage_writer_actor writer, record_reader_actor reader) {
  auto& st = self->state;
  st.writer = std::move(writer);
  st.reader = std::move(reader);
  st.words = std::make_shared<const match::normaliser>(settings.synonyms);
  auto profiles = std::make_shared<match::profile_set>();
  for (const auto& problem : profiles->add(settings.profiles))
    spdlog::error("marketplace: {}", problem);  // config validation rejects these at start
  st.profiles = std::move(profiles);
  auto n = settings.shards > 0 ? static_cast<std::size_t>(settings.shards)
                               : std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t s = 0; s < n; ++s) {
    st.shards.push_back(spawn_matcher_shard(self->system()));
    self->link_to(st.shards.back());  // they stop with the service
  }
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

marketplace_actor spawn_marketplace(caf::actor_system& sys, const config::matching_settings& settings,
                                    storage_writer_actor writer, record_reader_actor reader) {
  return sys.spawn(marketplace, settings, std::move(writer), std::move(reader));
}

}  // namespace jobmesh::actors
