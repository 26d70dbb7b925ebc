// Operations (API.md "Operations"), the job-type catalogue, and the dashboard's static files.
#include "actors/job_json.hpp"
#include "net/actor_bridge.hpp"
#include "net/api.hpp"
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
  response res{http::status::ok, req.version()};
  res.set(http::field::content_type, mime_type(path));
  res.set(http::field::cache_control, "no-cache");
  res.keep_alive(req.keep_alive());
  res.body() = body.str();
  res.prepare_payload();
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

bool is_ndjson(const request& req) {
  auto type = req[http::field::content_type];
  return type.substr(0, type.find(';')) == "application/x-ndjson";
}


void add_operation_routes(router& r, std::shared_ptr<const api_context> ctx) {
  r.add(http::verb::get, "/healthz", [](route_request rr, responder respond) {
    respond(json_response(*rr.req, http::status::ok, {{"status", "ok"}}));
  });
  // Ready when the supervisor answers and storage can be read: a list of one job does both.
  r.add(http::verb::get, "/readyz", [ctx](route_request rr, responder respond) {
    auto req = rr.req;
    storage::job_filter one;
    one.limit = 1;
    ask(*ctx->sys, ctx->engine.supervisor, ctx->request_timeout(),
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
  r.set_guard([ctx](const request& req, const std::map<std::string, std::string>& query)
                  -> std::variant<identity, response> {
    auto who = authenticate(ctx->settings.auth, req, query);
    if (auto* failure = std::get_if<auth_failure>(&who)) {
      auto res = error_response(req, http::status::unauthorized, "unauthorized", failure->message);
      res.set(http::field::www_authenticate, "Bearer");
      return res;
    }
    return std::get<identity>(std::move(who));
  });
  add_job_routes(r, ctx);
  add_record_routes(r, ctx);
  add_schedule_routes(r, ctx);
  add_operation_routes(r, ctx);
  return r;
}

}  // namespace jobmesh::net
