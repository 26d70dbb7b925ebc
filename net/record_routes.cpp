// The marketplace's records (API.md "Data"): ingest, read, delete and page postings and
// candidates, and their live matches. Each handler checks the request, asks the matching
// service once, and turns its answer into HTTP.
#include "actors/errors.hpp"
#include "actors/marketplace.hpp"
#include "actors/job_json.hpp"
#include "actors/match_json.hpp"
#include "net/activity_request.hpp"
#include "net/actor_bridge.hpp"
#include "net/api.hpp"
#include "net/error_reply.hpp"
#include "net/posting_page.hpp"
#include "net/record_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace jobmesh::net {

namespace {

using ctx_ptr = std::shared_ptr<const api_context>;
using storage::record_kind;

std::string_view plural(record_kind kind) {
  return kind == record_kind::posting ? "postings" : "candidates";
}

// `{"accepted", "rejected": [{"line","field","message"}]}`; when nothing was taken, a 400 that
// also carries API.md's error object, naming the first bad line's field.
response ingest_response(const request& req, const actors::ingest_reply& reply,
                         std::string_view noun) {
  boost::json::array rejected;
  for (const auto& e : reply.rejected)
    rejected.push_back({{"line", e.line}, {"field", e.field}, {"message", e.message}});
  boost::json::object body{{"accepted", reply.accepted}, {"rejected", std::move(rejected)}};
  if (reply.accepted > 0 || reply.rejected.empty())
    return json_response(req, http::status::ok, body);
  const auto& first = reply.rejected.front();
  body["error"] = {{"code", "invalid_request"},
                   {"message", fmt::format("no {} was taken: {} line(s) rejected; line {}: {}", noun,
                                           reply.rejected.size(), first.line, first.message)},
                   {"details", {{"field", first.field}, {"line", first.line}}}};
  return json_response(req, http::status::bad_request, body);
}

void ingest(const ctx_ptr& ctx, record_kind kind, route_request rr, responder respond) {
  if (forbid_unless(rr.who.writes_data(), rr, respond, "admin or service") || refuse_if_limited(*ctx, rr, respond))
    return;
  bool ndjson = is_ndjson(*rr.req);
  const auto& body = rr.req->body();
  if (!ndjson && body.find_first_not_of(" \t\r\n") == std::string::npos)
    return respond(bad_request(*rr.req, {"", "the body must be one JSON record, or NDJSON with Content-Type "
                                             "application/x-ndjson"}));
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.marketplace, ctx->request_timeout(),
      [req, respond](actors::ingest_reply& reply) { respond(ingest_response(*req, reply, "record")); },
      error_replier(req, respond), actors::ingest_atom::value, kind, as_ndjson(body, ndjson));
}

// The error half of a request naming a posting or candidate: one not found while `serve --demo`
// is still storing its records says so (a client that did not await /readyz learns why).
auto record_error_replier(const ctx_ptr& ctx, std::shared_ptr<const request> req, responder respond) {
  return [ctx, req = std::move(req), respond = std::move(respond)](caf::error& e) {
    if (actors::code_of(e) == actors::errc::not_found)
      if (auto note = ctx->demo->loading_note())
        return respond(error_response(*req, http::status::not_found, "not_found",
                                      fmt::format("{}; {}", actors::message_of(e), *note)));
    respond(reply_for_error(*req, e));
  };
}

// The posting as a page (posting_page.hpp), for a client that asked for HTML.
response page_response(const request& req, const std::string& json) {
  auto res = document_response(req, posting_page(boost::json::parse(json).as_object()), "text/html; charset=utf-8",
                               k_page_security_policy);
  res.set(http::field::vary, "Accept");
  return res;
}

void get_record(const ctx_ptr& ctx, record_kind kind, route_request rr, responder respond) {
  auto req = rr.req;
  bool page = kind == record_kind::posting && prefers_html((*req)[http::field::accept]);
  ask(
      *ctx->bridge, ctx->engine.marketplace, ctx->request_timeout(),
      [req, respond, page, kind](std::string& json) {
        if (page)
          return respond(page_response(*req, json));
        auto res = json_text_response(*req, http::status::ok, std::move(json));
        if (kind == record_kind::posting)  // the same URL answers HTML to who asks for it
          res.set(http::field::vary, "Accept");
        respond(std::move(res));
      },
      record_error_replier(ctx, req, respond), caf::get_atom::value, kind, rr.path.at("id"));
}

void delete_record(const ctx_ptr& ctx, record_kind kind, route_request rr, responder respond) {
  if (forbid_unless(rr.who.writes_data(), rr, respond, "admin or service"))
    return;
  auto req = rr.req;
  auto id = rr.path.at("id");
  ask(
      *ctx->bridge, ctx->engine.marketplace, ctx->request_timeout(),
      [req, respond, id](caf::ok_atom) {
        respond(json_response(*req, http::status::ok, boost::json::object{{"id", id}, {"deleted", true}}));
      },
      error_replier(req, respond), actors::delete_atom::value, kind, id);
}

void list_records(const ctx_ptr& ctx, record_kind kind, route_request rr, responder respond) {
  auto parsed = parse_record_page(rr.query);
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto page = std::get<record_page>(parsed);
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.marketplace, ctx->request_timeout(),
      [req, respond, kind, limit = page.limit](std::vector<std::string>& records) {
        boost::json::array out;
        for (const auto& r : records)
          out.push_back(boost::json::parse(r));
        boost::json::value next = nullptr;
        if (static_cast<std::int64_t>(records.size()) == limit)
          next = out.back().as_object().at("id");
        respond(json_response(*req, http::status::ok,
                              boost::json::object{{plural(kind), std::move(out)}, {"next_after", next}}));
      },
      error_replier(req, respond), actors::list_atom::value, kind, page.after, page.limit);
}

void find_matches(const ctx_ptr& ctx, record_kind source, route_request rr, responder respond) {
  auto parsed = parse_match_options(rr.query, source == record_kind::candidate);
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.marketplace, ctx->request_timeout(),
      [req, respond](actors::match_reply& reply) {
        respond(json_text_response(*req, http::status::ok, actors::match_reply_json(reply)));
      },
      record_error_replier(ctx, req, respond), actors::match_atom::value, source, rr.path.at("id"),
      std::get<actors::match_options>(std::move(parsed)));
}

// `POST /api/v1/activity`: good events are stored in one commit, and reach the matcher shards,
// before the reply; bad ones (by their rules here, or naming a record the marketplace does not
// hold, in the tracker) are named by line. Written by the marketplace's backend (admin or
// service), like records.
void ingest_activity(const ctx_ptr& ctx, route_request rr, responder respond) {
  if (forbid_unless(rr.who.writes_data(), rr, respond, "admin or service") || refuse_if_limited(*ctx, rr, respond))
    return;
  auto parsed = parse_activity(rr.req->body(), is_ndjson(*rr.req), actors::now_ms());
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto lines = std::get<activity_lines>(std::move(parsed));
  actors::ingest_reply checked;
  for (auto& e : lines.rejected)
    checked.rejected.push_back({static_cast<std::size_t>(e.line), std::move(e.field), std::move(e.message)});
  auto req = rr.req;
  if (lines.events.empty())
    return respond(ingest_response(*req, checked, "event"));
  ask(
      *ctx->bridge, ctx->engine.activity, ctx->request_timeout(),
      [req, respond, checked](actors::ingest_reply& reply) {
        auto all = checked;
        all.accepted = reply.accepted;
        std::move(reply.rejected.begin(), reply.rejected.end(), std::back_inserter(all.rejected));
        std::sort(all.rejected.begin(), all.rejected.end(),
                  [](const auto& a, const auto& b) { return a.line < b.line; });
        respond(ingest_response(*req, all, "event"));
      },
      error_replier(req, respond), actors::activity_atom::value, std::move(lines.events), std::move(lines.lines));
}

boost::json::object engagement_json(const actors::engagement_report& r) {
  const auto& s = r.standing;
  boost::json::array badges;
  for (const auto& b : s.badges)
    badges.push_back(boost::json::string{b});
  auto next = match::next_level_at(s.points);
  return {{"candidate_id", r.candidate_id},
          {"engagement", r.engagement},
          {"points", s.points},
          {"level", s.level},
          {"next_level_at", next ? boost::json::value(*next) : boost::json::value(nullptr)},
          {"badges", std::move(badges)},
          {"counts",
           {{"events", r.events},
            {"logins", s.logins},
            {"views", s.views},
            {"distinct_postings_viewed", s.distinct_postings_viewed},
            {"applications", s.applications},
            {"reviews", s.reviews},
            {"average_stars", s.rating},
            {"longest_streak_days", s.longest_streak_days}}},
          {"rating", r.record.rating},
          {"review_count", r.record.review_count},
          {"completed_jobs", r.record.completed_jobs},
          {"computed_at", actors::format_time(r.computed_at_ms)}};
}

// `GET /api/v1/candidates/{id}/engagement`: readable by whoever may read the candidate.
void get_engagement(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.activity, ctx->request_timeout(),
      [req, respond](actors::engagement_report& r) {
        respond(json_response(*req, http::status::ok, engagement_json(r)));
      },
      error_replier(req, respond), caf::get_atom::value, rr.path.at("id"));
}

// `GET /api/v1/candidates/{id}/feed`: what the latest `feed-presort` stored for the candidate;
// an empty feed (no job yet) for a candidate it has not covered, 404 for an unknown one.
void get_feed(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto req = rr.req;
  auto id = rr.path.at("id");
  auto on_missing = [ctx, req, respond, id](caf::error& e) {
    if (actors::code_of(e) != actors::errc::not_found)
      return error_replier(req, respond)(e);
    ask(
        *ctx->bridge, ctx->engine.marketplace, ctx->request_timeout(),
        [req, respond, id](actors::prepared_lookup& found) {
          if (found.empty() || !found[0])
            return respond(error_response(*req, http::status::not_found, "not_found", fmt::format("no candidate {}", id)));
          respond(json_response(*req, http::status::ok,
                                boost::json::object{{"candidate_id", id},
                                                    {"profile", nullptr},
                                                    {"job_id", nullptr},
                                                    {"computed_at", nullptr},
                                                    {"postings", boost::json::array{}}}));
        },
        error_replier(req, respond), caf::get_atom::value, record_kind::candidate, std::vector<std::string>{id});
  };
  ask(
      *ctx->bridge, ctx->engine.records, ctx->request_timeout(),
      [req, respond](storage::stored_feed& f) {
        respond(json_response(*req, http::status::ok,
                              boost::json::object{{"candidate_id", f.candidate_id},
                                                  {"profile", f.profile},
                                                  {"job_id", f.job_id},
                                                  {"computed_at", actors::format_time(f.computed_at)},
                                                  {"postings", boost::json::parse(f.feed)}}));
      },
      on_missing, actors::feed_atom::value, id);
}

}  // namespace

void add_record_routes(router& r, std::shared_ptr<const api_context> ctx) {
  r.add(http::verb::post, "/api/v1/activity",
        [ctx](route_request rr, responder respond) { ingest_activity(ctx, std::move(rr), std::move(respond)); },
        body_kinds::json_or_ndjson);
  r.add(http::verb::get, "/api/v1/candidates/{id}/feed",
        [ctx](route_request rr, responder respond) { get_feed(ctx, std::move(rr), std::move(respond)); });
  r.add(http::verb::get, "/api/v1/candidates/{id}/engagement",
        [ctx](route_request rr, responder respond) { get_engagement(ctx, std::move(rr), std::move(respond)); });
  for (auto kind : {record_kind::posting, record_kind::candidate}) {
    auto bind = [ctx, kind](void (*f)(const ctx_ptr&, record_kind, route_request, responder)) {
      return [ctx, kind, f](route_request rr, responder respond) { f(ctx, kind, std::move(rr), std::move(respond)); };
    };
    auto base = fmt::format("/api/v1/{}", plural(kind));
    r.add(http::verb::post, base, bind(ingest), body_kinds::json_or_ndjson);
    r.add(http::verb::get, base, bind(list_records));
    r.add(http::verb::get, base + "/{id}", bind(get_record));
    r.add(http::verb::delete_, base + "/{id}", bind(delete_record));
    r.add(http::verb::get, base + "/{id}/matches", bind(find_matches));
  }
}

}  // namespace jobmesh::net
