// The marketplace's records (API.md "Data"): ingest, read, delete and page postings and
// candidates, and their live matches. Each handler checks the request, asks the matching
// service once, and turns its answer into HTTP.
#include "actors/marketplace.hpp"
#include "actors/job_json.hpp"
#include "actors/match_json.hpp"
#include "net/activity_request.hpp"
#include "net/actor_bridge.hpp"
#include "net/api.hpp"
#include "net/error_reply.hpp"
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
      *ctx->sys, ctx->engine.marketplace, ctx->request_timeout(),
      [req, respond](actors::ingest_reply& reply) {
        boost::json::array rejected;
        for (const auto& e : reply.rejected)
          rejected.push_back({{"line", e.line}, {"field", e.field}, {"message", e.message}});
        boost::json::object body{{"accepted", reply.accepted}, {"rejected", std::move(rejected)}};
        if (reply.accepted > 0 || reply.rejected.empty())
          return respond(json_response(*req, http::status::ok, body));
        // Nothing taken: a 400 that carries API.md's error (naming the first bad line's field)
        // besides the list of rejected lines.
        const auto& first = reply.rejected.front();
        body["error"] = {{"code", "invalid_request"},
                         {"message", fmt::format("no record was taken: {} line(s) rejected; line {}: {}",
                                                 reply.rejected.size(), first.line, first.message)},
                         {"details", {{"field", first.field}, {"line", first.line}}}};
        respond(json_response(*req, http::status::bad_request, body));
      },
      error_replier(req, respond), actors::ingest_atom::value, kind, as_ndjson(body, ndjson));
}

void get_record(const ctx_ptr& ctx, record_kind kind, route_request rr, responder respond) {
  auto req = rr.req;
  ask(
      *ctx->sys, ctx->engine.marketplace, ctx->request_timeout(),
      [req, respond](std::string& json) { respond(json_text_response(*req, http::status::ok, std::move(json))); },
      error_replier(req, respond), caf::get_atom::value, kind, rr.path.at("id"));
}

void delete_record(const ctx_ptr& ctx, record_kind kind, route_request rr, responder respond) {
  if (forbid_unless(rr.who.writes_data(), rr, respond, "admin or service"))
    return;
  auto req = rr.req;
  auto id = rr.path.at("id");
  ask(
      *ctx->sys, ctx->engine.marketplace, ctx->request_timeout(),
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
      *ctx->sys, ctx->engine.marketplace, ctx->request_timeout(),
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
      *ctx->sys, ctx->engine.marketplace, ctx->request_timeout(),
      [req, respond](actors::match_reply& reply) {
        respond(json_text_response(*req, http::status::ok, actors::match_reply_json(reply)));
      },
      error_replier(req, respond), actors::match_atom::value, source, rr.path.at("id"),
      std::get<actors::match_options>(std::move(parsed)));
}

// `POST /api/v1/activity`: good events are stored in one commit before the reply; bad ones are
// named by line. Written by the marketplace's backend (admin or service), like records.
void ingest_activity(const ctx_ptr& ctx, route_request rr, responder respond) {
  if (forbid_unless(rr.who.writes_data(), rr, respond, "admin or service") || refuse_if_limited(*ctx, rr, respond))
    return;
  auto parsed = parse_activity(rr.req->body(), is_ndjson(*rr.req), actors::now_ms());
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto lines = std::get<activity_lines>(std::move(parsed));
  boost::json::array rejected;
  for (const auto& e : lines.rejected)
    rejected.push_back({{"line", e.line}, {"field", e.field}, {"message", e.message}});
  boost::json::object body{{"accepted", lines.events.size()}, {"rejected", std::move(rejected)}};
  auto req = rr.req;
  if (lines.events.empty()) {
    const auto& first = lines.rejected.front();
    body["error"] = {{"code", "invalid_request"},
                     {"message", fmt::format("no event was taken: {} line(s) rejected; line {}: {}",
                                             lines.rejected.size(), first.line, first.message)},
                     {"details", {{"field", first.field}, {"line", first.line}}}};
    return respond(json_response(*req, http::status::bad_request, body));
  }
  storage::write_batch batch;
  batch.activity = std::move(lines.events);
  ask(
      *ctx->sys, ctx->engine.writer, ctx->request_timeout(),
      [req, respond, body](caf::ok_atom) { respond(json_response(*req, http::status::ok, body)); },
      error_replier(req, respond), actors::write_atom::value, std::move(batch));
}

}  // namespace

void add_record_routes(router& r, std::shared_ptr<const api_context> ctx) {
  r.add(http::verb::post, "/api/v1/activity",
        [ctx](route_request rr, responder respond) { ingest_activity(ctx, std::move(rr), std::move(respond)); },
        body_kinds::json_or_ndjson);
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
