// Operations (API.md "Operations"), the job-type catalogue, and the dashboard's static files.
#include "actors/job_json.hpp"
#include "net/actor_bridge.hpp"
#include "net/api.hpp"
#include "net/exposure.hpp"
#include "net/error_reply.hpp"

#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace jobmesh::net {

namespace {

using ctx_ptr = std::shared_ptr<const api_context>;

std::string_view mime_type(const std::filesystem::path& p) {
  auto ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".json") return "application/json";
  if (ext == ".png") return "image/png";
  return "application/octet-stream";
}

// Only plain file names under the web root: no "..", no hidden files, no sub-paths.
void serve_static(const ctx_ptr& ctx, const request& req, const std::string& name, const responder& respond) {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos || name.find('\\') != std::string::npos)
    return respond(error_response(req, http::status::not_found, "not_found", "no such file"));
  auto path = std::filesystem::path{ctx->settings.server.web_root} / name;
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return respond(error_response(req, http::status::not_found, "not_found", "no route or file " + name));
  std::ostringstream body;
  body << in.rdbuf();
  // The dashboard runs only its own script and talks only to this server: markup that slipped
  // into a job's text could not load or run anything.
  auto res = document_response(
      req, body.str(), mime_type(path),
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
      "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  res.set(http::field::cache_control, "no-cache");
  res.set("Referrer-Policy", "no-referrer");
  respond(std::move(res));
}

boost::json::object job_types_json(const actors::job_type_registry& types) {
  boost::json::array out;
  for (const auto& [name, t] : types.all()) {
    boost::json::array deps;
    for (const auto& d : t.depends_on)
      deps.emplace_back(d);
    out.push_back({{"name", name},
                   {"group", t.group},
                   {"description", t.description},
                   {"depends_on", std::move(deps)},
                   {"max_failed_ratio", actors::whole_or_fraction(t.max_failed_ratio)},
                   {"roles", t.for_operators ? boost::json::array{"admin", "service"}
                                             : boost::json::array{"user", "admin", "service"}},
                   {"params_schema", t.params_schema}});
  }
  return {{"job_types", std::move(out)}};
}

}  // namespace

bool forbid_unless(bool allowed, const route_request& rr, const responder& respond, std::string_view needs) {
  if (allowed)
    return false;
  respond(error_response(*rr.req, http::status::forbidden, "forbidden",
                         fmt::format("this needs the role {}; {} has role {}", needs, rr.who.user, to_string(rr.who.role))));
  return true;
}

bool refuse_if_limited(const api_context& ctx, const route_request& rr, const responder& respond) {
  if (!ctx.limits)
    return false;
  auto wait = ctx.limits->take(rr.who);
  if (!wait)
    return false;
  auto seconds = std::max<std::int64_t>(1, (wait->count() + 999) / 1000);
  auto res = error_response(*rr.req, http::status::too_many_requests, "rate_limited",
                            fmt::format("{} ({}) may submit and ingest {}; try again in {} s", rr.who.user,
                                        to_string(rr.who.role), ctx.limits->describe(rr.who.role), seconds),
                            {{"retry_after_s", seconds}});
  res.set(http::field::retry_after, std::to_string(seconds));
  respond(std::move(res));
  return true;
}

std::optional<std::string> demo_status::loading_note() const {
  if (!loading.load())
    return std::nullopt;
  auto total_records = total.load();
  if (total_records == 0)
    return "the demo marketplace is still loading";
  return fmt::format("the demo marketplace is still loading ({} of {} records stored)", stored.load(), total_records);
}

bool is_ndjson(const request& req) {
  auto type = req[http::field::content_type];
  return type.substr(0, type.find(';')) == "application/x-ndjson";
}

void add_operation_routes(router& r, std::shared_ptr<const api_context> ctx) {
  r.add(http::verb::get, "/healthz", [](route_request rr, responder respond) {
    respond(json_response(*rr.req, http::status::ok, {{"status", "ok"}}));
  });
  // Prometheus scrapes without a token (keep the port private, or scrape through a proxy).
  // The job gauges are read from the supervisor now, so they are never stale; only the ones
  // it holds in memory (the queue statistics' counts of today's ended jobs scan storage, which
  // a client polling /metrics every few milliseconds turned into a fifth of the server's CPU).
  r.add(http::verb::get, "/metrics", [ctx](route_request rr, responder respond) {
    auto req = rr.req;
    auto m = ctx->engine.metrics;
    if (!m)
      return respond(error_response(*req, http::status::not_found, "not_found", "this node counts nothing"));
    auto reply = [req, respond, m] {
      auto res = response{http::status::ok, req->version()};
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.keep_alive(req->keep_alive());
      res.body() = m->text();
      res.prepare_payload();
      respond(std::move(res));
    };
    ask(
        *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
        [m, reply](actors::queue_report& q) {
          for (const auto& s : q.types)
            m->set_jobs(s.type, s.queue_depth, s.processing_count);
          m->set_paused(q.paused);
          reply();
        },
        [reply](caf::error&) { reply(); }, actors::statistics_atom::value, actors::gauges_atom::value);
  });
  // What a client needs before it has a token: public, like the routes it describes.
  r.add_open(http::verb::get, "/api/v1/openapi.json", [](route_request rr, responder respond) {
    respond(json_text_response(*rr.req, http::status::ok, openapi_document()));
  });
  // The upgrade itself never reaches the router (http_session takes it); a plain GET learns why.
  r.add_open(http::verb::get, "/api/v1/ws", [](route_request rr, responder respond) {
    auto res = error_response(*rr.req, http::status::upgrade_required, "upgrade_required",
                              "/api/v1/ws is a WebSocket: send the upgrade (Connection: Upgrade, Upgrade: websocket)");
    res.set(http::field::upgrade, "websocket");
    respond(std::move(res));
  });
  // Ready when the supervisor answers and storage can be read: a list of one job does both.
  r.add(http::verb::get, "/readyz", [ctx](route_request rr, responder respond) {
    auto req = rr.req;
    // `serve --demo` is ready when its records are in: a client that awaits readiness and then
    // asks for a match finds the demo's records.
    if (auto note = ctx->demo->loading_note())
      return respond(unavailable(*req, "loading", *note));
    storage::job_filter one;
    one.limit = 1;
    ask(*ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
        [req, respond](std::vector<storage::job_record>&) {
          respond(json_response(*req, http::status::ok, {{"status", "ready"}}));
        },
        [req, respond](caf::error& e) { respond(reply_for_error(*req, e)); }, actors::list_atom::value, one);
  });
  r.add(http::verb::get, "/api/v1/job-types", [ctx](route_request rr, responder respond) {
    respond(json_response(*rr.req, http::status::ok, job_types_json(*ctx->engine.types)));
  });
  r.add(http::verb::get, "/", [ctx](route_request rr, responder respond) {
    serve_static(ctx, *rr.req, "index.html", respond);
  });
  r.add(http::verb::get, "/{file}", [ctx](route_request rr, responder respond) {
    serve_static(ctx, *rr.req, rr.path.at("file"), respond);
  });
}

router make_api_router(std::shared_ptr<const api_context> ctx) {
  router r;
  r.set_guard([ctx](const request& req, const std::map<std::string, std::string>&)
                  -> std::variant<identity, response> {
    // A token in a URL ends up in logs: only the WebSocket upgrade, where a browser cannot set
    // headers, takes it as `?access_token=` (http_session.cpp).
    auto who = authenticate(ctx->settings.auth, req, {}, ctx->tokens.get());
    if (auto* failure = std::get_if<auth_failure>(&who)) {
      auto res = error_response(req, http::status::unauthorized, "unauthorized", failure->message);
      res.set(http::field::www_authenticate, "Bearer");
      return res;
    }
    return std::get<identity>(std::move(who));
  });
  r.set_metrics(ctx->engine.metrics);
  r.set_screen([checks = std::make_shared<const exposure>(ctx->settings)](const request& req, body_kinds accepts) {
    return checks->check(req, accepts == body_kinds::json_or_ndjson);
  });
  add_job_routes(r, ctx);
  add_record_routes(r, ctx);
  add_schedule_routes(r, ctx);
  add_operation_routes(r, ctx);
  return r;
}

}  // namespace jobmesh::net
