#include "actors/activity_tracker.hpp"

#include "actors/detail/held_requests.hpp"
#include "actors/errors.hpp"
#include "actors/job_json.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace jobmesh::actors {

namespace {

using storage::activity_row;
using storage::record_kind;

// Loading reads the activity table in chunks of this many events.
constexpr std::int64_t k_load_chunk = 50'000;

// (The rules come first: a state whose first member is an actor handle counts, in C++20, as
// constructible from the actor's own pointer, and CAF then tries that.)
struct tracker_state {
  match::engagement_rules rules;
  marketplace_actor marketplace;
  storage_writer_actor writer;
  record_reader_actor records;
  bool tracking = true;  ///< effects reach the shards
  std::chrono::seconds refresh{60};
  std::unordered_map<std::string, match::activity_totals> totals;  ///< by candidate id
  bool loaded = false;
  detail::held_requests held;  ///< requests that came before the load ended
  static inline const char* name = "activity_tracker";
};

using tracker_pointer = activity_tracker_actor::stateful_pointer<tracker_state>;

match::activity_event event_of(const activity_row& row) {
  match::activity_event e;
  match::parse_activity_kind(row.kind, e.kind);  // stored rows passed net/activity_request
  e.at_ms = row.at;
  e.value = row.value;
  e.posting_id = row.posting_id;
  return e;
}

void add_rows(tracker_state& st, const std::vector<activity_row>& rows) {
  for (const auto& row : rows)
    match::add_event(st.totals[row.candidate_id], event_of(row), st.rules);
}

// The effects of `ids`' activity, decayed to now, to the shards; `done(error)` once they hold them.
template <class Ids, class Done>
void push_effects(tracker_pointer self, const Ids& ids, Done done) {
  auto& st = self->state;
  if (!st.tracking) {
    done(caf::error{});
    return;
  }
  auto now = now_ms();
  std::vector<match::activity_effect> effects;
  effects.reserve(ids.size());
  for (const auto& id : ids) {
    auto it = st.totals.find(id);
    // No totals (a recount found no events): the empty effect takes the last one back.
    effects.push_back(match::effect_of(id, it != st.totals.end() ? it->second : match::activity_totals{}, st.rules, now));
  }
  if (effects.empty()) {
    done(caf::error{});
    return;
  }
  self->request(st.marketplace, caf::infinite, activity_atom::value, std::move(effects))
      .then([=](caf::ok_atom) mutable { done(caf::error{}); }, [=](caf::error& e) mutable { done(std::move(e)); });
}

std::vector<std::string> all_candidates(const tracker_state& st) {
  std::vector<std::string> out;
  out.reserve(st.totals.size());
  for (const auto& [id, t] : st.totals)
    out.push_back(id);
  return out;
}

template <class Reply, class... Ts>
caf::typed_response_promise<Reply> hold(tracker_pointer self, Ts... xs) {
  return detail::hold_request<activity_tracker_actor, Reply>(self, self->state.held, std::move(xs)...);
}

// The distinct ids of one field of `rows`, skipping empty ones.
std::vector<std::string> distinct(const std::vector<activity_row>& rows, std::string activity_row::*field) {
  std::unordered_set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& row : rows)
    if (!(row.*field).empty() && seen.insert(row.*field).second)
      out.push_back(row.*field);
  return out;
}

std::unordered_set<std::string> known_of(const std::vector<std::string>& ids, const prepared_lookup& found) {
  std::unordered_set<std::string> out;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (found[i])
      out.insert(ids[i]);
  return out;
}

// Commits the events the marketplace knows both ends of, then sends their effects to the shards.
void store_known(tracker_pointer self, std::vector<activity_row> rows, std::vector<std::int64_t> lines,
                 std::unordered_set<std::string> candidates, std::unordered_set<std::string> postings,
                 caf::typed_response_promise<ingest_reply> promise) {
  ingest_reply reply;
  std::vector<activity_row> taken;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto line = static_cast<std::size_t>(lines[i]);
    if (!candidates.contains(rows[i].candidate_id))
      reply.rejected.push_back({line, "candidate_id", fmt::format("no candidate {}", rows[i].candidate_id)});
    else if (!rows[i].posting_id.empty() && !postings.contains(rows[i].posting_id))
      reply.rejected.push_back({line, "posting_id", fmt::format("no posting {}", rows[i].posting_id)});
    else
      taken.push_back(std::move(rows[i]));
  }
  reply.accepted = static_cast<std::int64_t>(taken.size());
  if (taken.empty()) {
    promise.deliver(std::move(reply));
    return;
  }
  storage::write_batch batch;
  batch.activity = taken;
  self->request(self->state.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) mutable {
            add_rows(self->state, taken);
            push_effects(self, distinct(taken, &activity_row::candidate_id), [=](caf::error e) mutable {
              if (e)
                promise.deliver(std::move(e));
              else
                promise.deliver(std::move(reply));
            });
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
}

caf::result<ingest_reply> ingest(tracker_pointer self, std::vector<activity_row>& rows,
                                 std::vector<std::int64_t>& lines) {
  if (!self->state.loaded)
    return hold<ingest_reply>(self, activity_atom::value, std::move(rows), std::move(lines));
  if (lines.size() != rows.size())
    return make_error(errc::invalid_argument, "activity: one line number per event");
  auto promise = self->make_response_promise<ingest_reply>();
  auto candidate_ids = distinct(rows, &activity_row::candidate_id);
  auto posting_ids = distinct(rows, &activity_row::posting_id);
  auto market = self->state.marketplace;
  auto failed = [=](caf::error& e) mutable { promise.deliver(std::move(e)); };
  self->request(market, caf::infinite, caf::get_atom::value, record_kind::candidate, candidate_ids)
      .then(
          [=](prepared_lookup& cs) mutable {
            auto candidates = known_of(candidate_ids, cs);
            self->request(market, caf::infinite, caf::get_atom::value, record_kind::posting, posting_ids)
                .then(
                    [=](prepared_lookup& ps) mutable {
                      store_known(self, std::move(rows), std::move(lines), std::move(candidates),
                                  known_of(posting_ids, ps), promise);
                    },
                    failed);
          },
          failed);
  return promise;
}

caf::result<engagement_report> report(tracker_pointer self, const std::string& id) {
  if (!self->state.loaded)
    return hold<engagement_report>(self, caf::get_atom::value, id);
  auto promise = self->make_response_promise<engagement_report>();
  auto failed = [=](caf::error& e) mutable { promise.deliver(std::move(e)); };
  self->request(self->state.marketplace, caf::infinite, caf::get_atom::value, record_kind::candidate,
                std::vector<std::string>{id})
      .then(
          [=](prepared_lookup& found) mutable {
            if (found.empty() || !found[0]) {
              promise.deliver(make_error(errc::not_found, fmt::format("no candidate {}", id)));
              return;
            }
            const auto& c = std::get<match::prepared_candidate>(*found[0]);
            match::record_standing record{c.rating, c.review_count, c.completed_jobs, c.engagement};
            self->request(self->state.records, caf::infinite, activity_atom::value, id, k_report_events)
                .then(
                    [=](std::vector<activity_row>& rows) mutable {
                      std::vector<match::activity_event> events;
                      events.reserve(rows.size());
                      for (const auto& row : rows)
                        events.push_back(event_of(row));
                      engagement_report out;
                      out.candidate_id = id;
                      out.computed_at_ms = now_ms();
                      out.engagement = match::engagement(events, self->state.rules, out.computed_at_ms);
                      out.standing = match::standing_of(events);
                      out.record = record;
                      out.events = static_cast<std::int64_t>(events.size());
                      promise.deliver(std::move(out));
                    },
                    failed);
          },
          failed);
  return promise;
}

caf::result<std::vector<std::string>> reconcile_ids(tracker_pointer self) {
  if (!self->state.loaded)
    return hold<std::vector<std::string>>(self, reconcile_atom::value);
  auto promise = self->make_response_promise<std::vector<std::string>>();
  self->request(self->state.records, caf::infinite, activity_atom::value)
      .then(
          [=](std::vector<std::string>& stored) mutable {
            std::set<std::string> ids(stored.begin(), stored.end());
            for (const auto& [id, t] : self->state.totals)
              ids.insert(id);
            promise.deliver(std::vector<std::string>(ids.begin(), ids.end()));
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

void add_drift(reconcile_report& report, std::vector<stat_drift> found, std::set<std::string>& drifted) {
  for (auto& d : found) {
    drifted.insert(d.candidate_id);
    report.drift.push_back(std::move(d));
  }
}

// The shards' effects against the recount; then, with repair, the effects of every drifted
// candidate again, from the totals as they are now (newer events included).
void reconcile_shards(tracker_pointer self, std::vector<std::string> ids, bool repair,
                      std::shared_ptr<std::unordered_map<std::string, match::activity_totals>> recount,
                      reconcile_report report, std::set<std::string> drifted,
                      caf::typed_response_promise<reconcile_report> promise) {
  self->request(self->state.marketplace, caf::infinite, activity_atom::value, ids)
      .then(
          [=](held_effects& held) mutable {
            auto now = now_ms();
            for (std::size_t i = 0; i < ids.size(); ++i)
              add_drift(report, drift_of(ids[i], held[i], (*recount)[ids[i]], self->state.rules, now), drifted);
            for (const auto& id : ids)
              if (drifted.contains(id))
                report.drifted.push_back(id);
            if (!repair || drifted.empty()) {
              promise.deliver(std::move(report));
              return;
            }
            report.repaired = true;
            push_effects(self, drifted, [=](caf::error e) mutable {
              if (e)
                promise.deliver(std::move(e));
              else
                promise.deliver(std::move(report));
            });
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
}

caf::result<reconcile_report> reconcile(tracker_pointer self, std::vector<std::string>& ids, bool repair) {
  if (!self->state.loaded)
    return hold<reconcile_report>(self, reconcile_atom::value, std::move(ids), repair);
  auto promise = self->make_response_promise<reconcile_report>();
  self->request(self->state.writer, caf::infinite, activity_atom::value, ids)
      .then(
          [=](std::vector<activity_row>& rows) mutable {
            // The writer answered every earlier activity write first: the totals hold exactly
            // the events read here.
            auto& st = self->state;
            auto recount = std::make_shared<std::unordered_map<std::string, match::activity_totals>>();
            std::unordered_set<std::string> with_events;
            for (const auto& row : rows) {
              match::add_event((*recount)[row.candidate_id], event_of(row), st.rules);
              with_events.insert(row.candidate_id);
            }
            reconcile_report report;
            report.checked = static_cast<std::int64_t>(ids.size());
            report.events = static_cast<std::int64_t>(rows.size());
            report.shards_checked = st.tracking;
            std::set<std::string> drifted;
            auto now = now_ms();
            for (const auto& id : ids) {
              auto held = st.totals.find(id);
              const auto& counted = (*recount)[id];
              auto found = drift_of(id, held == st.totals.end() ? nullptr : &held->second, counted, st.rules, now);
              if (repair && !found.empty()) {
                if (with_events.contains(id))
                  st.totals[id] = counted;
                else
                  st.totals.erase(id);
              }
              add_drift(report, std::move(found), drifted);
            }
            if (!st.tracking) {
              for (const auto& id : ids)
                if (drifted.contains(id))
                  report.drifted.push_back(id);
              report.repaired = repair && !drifted.empty();
              promise.deliver(std::move(report));
              return;
            }
            reconcile_shards(self, std::move(ids), repair, std::move(recount), std::move(report), std::move(drifted),
                             promise);
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

void finish_load(tracker_pointer self, std::int64_t events, std::chrono::steady_clock::time_point started) {
  auto& st = self->state;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("activity: {} events of {} candidates read in {} ms", events, st.totals.size(), ms);
  push_effects(self, all_candidates(st), [=](caf::error e) {
    if (e)
      spdlog::error("activity: the shards did not take the stored activity: {}", message_of(e));
    // Before the held requests: an activity post among them asks the marketplace, which
    // answers once it has this.
    self->send(self->state.marketplace, activity_atom::value, caf::ok_atom::value);
    self->state.loaded = true;
    detail::replay(self->state.held);
    self->delayed_send(self, self->state.refresh, tick_atom::value);
  });
}

void load_from(tracker_pointer self, std::int64_t after, std::int64_t events,
               std::chrono::steady_clock::time_point started) {
  self->request(self->state.records, caf::infinite, activity_atom::value, after, k_load_chunk)
      .then(
          [=](std::vector<activity_row>& rows) {
            if (rows.empty())
              return finish_load(self, events, started);
            add_rows(self->state, rows);
            load_from(self, rows.back().seq, events + static_cast<std::int64_t>(rows.size()), started);
          },
          [=](caf::error& e) {
            spdlog::error("activity: reading stored events failed: {}", message_of(e));
            // Queries need not wait for what will not come.
            self->send(self->state.marketplace, activity_atom::value, caf::ok_atom::value);
            self->quit(std::move(e));
          });
}

activity_tracker_actor::behavior_type tracker(tracker_pointer self, config::activity_settings settings,
                                              marketplace_actor marketplace, storage_writer_actor writer,
                                              record_reader_actor records) {
  auto& st = self->state;
  st.marketplace = std::move(marketplace);
  st.writer = std::move(writer);
  st.records = std::move(records);
  st.rules = engagement_rules_of(settings);
  st.tracking = settings.tracking == "on";
  st.refresh = std::chrono::seconds{settings.refresh_s};
  load_from(self, 0, 0, std::chrono::steady_clock::now());
  return {
      [=](activity_atom, std::vector<activity_row>& rows, std::vector<std::int64_t>& lines) {
        return ingest(self, rows, lines);
      },
      [=](caf::get_atom, const std::string& id) { return report(self, id); },
      [=](reconcile_atom) { return reconcile_ids(self); },
      [=](reconcile_atom, std::vector<std::string>& ids, bool repair) { return reconcile(self, ids, repair); },
      [=](tick_atom) {
        push_effects(self, all_candidates(self->state), [=](caf::error e) {
          if (e)
            spdlog::warn("activity: decayed engagement did not reach the shards: {}", message_of(e));
          self->delayed_send(self, self->state.refresh, tick_atom::value);
        });
      },
  };
}

}  // namespace

namespace {

constexpr double k_tolerance = 1e-9;

void compare(std::vector<stat_drift>& out, const std::string& id, const char* where, const char* field, double held,
             double recounted) {
  if (std::abs(held - recounted) > k_tolerance)
    out.push_back({id, where, field, held, recounted});
}

void compare_effects(std::vector<stat_drift>& out, const std::string& id, const char* where,
                     const match::activity_effect& held, const match::activity_effect& recounted) {
  compare(out, id, where, "engagement", held.engagement, recounted.engagement);
  compare(out, id, where, "reviews", static_cast<double>(held.reviews), static_cast<double>(recounted.reviews));
  compare(out, id, where, "stars", held.stars, recounted.stars);
  compare(out, id, where, "completed", static_cast<double>(held.completed), static_cast<double>(recounted.completed));
}

}  // namespace

std::vector<stat_drift> drift_of(const std::string& candidate_id, const match::activity_totals* held,
                                 const match::activity_totals& recount, const match::engagement_rules& rules,
                                 std::int64_t now_ms) {
  std::vector<stat_drift> out;
  compare_effects(out, candidate_id, "tracker",
                  match::effect_of(candidate_id, held ? *held : match::activity_totals{}, rules, now_ms),
                  match::effect_of(candidate_id, recount, rules, now_ms));
  return out;
}

std::vector<stat_drift> drift_of(const std::string& candidate_id, const std::optional<match::activity_effect>& shard,
                                 const match::activity_totals& recount, const match::engagement_rules& rules,
                                 std::int64_t now_ms) {
  std::vector<stat_drift> out;
  auto held = shard.value_or(match::activity_effect{candidate_id, 0, 0, 0, 0, now_ms});
  compare_effects(out, candidate_id, "shards", held, match::effect_of(candidate_id, recount, rules, held.as_of_ms));
  return out;
}

match::engagement_rules engagement_rules_of(const config::activity_settings& s) {
  match::engagement_rules r;
  r.login = s.login;
  r.session_end = s.session_end;
  r.view = s.view;
  r.apply = s.apply;
  r.half_life_days = s.half_life_days;
  r.saturation = s.saturation;
  return r;
}

activity_tracker_actor spawn_activity_tracker(caf::actor_system& sys, const config::activity_settings& settings,
                                              marketplace_actor marketplace, storage_writer_actor writer,
                                              record_reader_actor records) {
  return sys.spawn(tracker, settings, std::move(marketplace), std::move(writer), std::move(records));
}

}  // namespace jobmesh::actors
