// The jobs API (API.md "Jobs"): each handler checks the request, asks the job supervisor once,
// and turns its answer into HTTP.
#include "actors/job_json.hpp"
#include "net/actor_bridge.hpp"
#include "net/api.hpp"
#include "net/error_reply.hpp"
#include "net/job_request.hpp"

namespace jobmesh::net {

namespace {

using ctx_ptr = std::shared_ptr<const api_context>;
using storage::job_record;

// Replies with `render(job)` as JSON with status 200.
auto job_replier(std::shared_ptr<const request> req, responder respond,
                 boost::json::object (*render)(const job_record&)) {
  return [req = std::move(req), respond = std::move(respond), render](job_record& job) {
    respond(json_response(*req, http::status::ok, render(job)));
  };
}

boost::json::object progress_now(const job_record& job) {
  return actors::progress_to_json(job, actors::now_ms());
}

void submit(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto parsed = parse_job_spec(rr.req->body());
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto spec = std::get<actors::job_spec>(std::move(parsed));
  spec.user_id = user_of(*ctx, *rr.req);
  auto req = rr.req;
  ask(
      *ctx->sys, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond](job_record& job, bool created) {
        auto res = json_response(*req, created ? http::status::accepted : http::status::ok, actors::job_to_json(job));
        res.set(http::field::location, "/api/v1/jobs/" + job.id);
        respond(std::move(res));
      },
      error_replier(req, respond), actors::submit_atom::value, std::move(spec));
}

void get_job(const ctx_ptr& ctx, route_request rr, responder respond) {
  ask(*ctx->sys, ctx->engine.supervisor, ctx->request_timeout(), job_replier(rr.req, respond, actors::job_to_json),
      error_replier(rr.req, respond), caf::get_atom::value, rr.path.at("id"));
}

void get_progress(const ctx_ptr& ctx, route_request rr, responder respond) {
  ask(*ctx->sys, ctx->engine.supervisor, ctx->request_timeout(), job_replier(rr.req, respond, progress_now),
      error_replier(rr.req, respond), caf::get_atom::value, rr.path.at("id"));
}

void cancel_job(const ctx_ptr& ctx, route_request rr, responder respond) {
  ask(*ctx->sys, ctx->engine.supervisor, ctx->request_timeout(), job_replier(rr.req, respond, actors::job_to_json),
      error_replier(rr.req, respond), actors::cancel_atom::value, rr.path.at("id"));
}

void list_jobs(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto parsed = parse_job_filter(rr.query);
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto filter = std::get<storage::job_filter>(std::move(parsed));
  auto limit = static_cast<std::size_t>(filter.limit);
  auto req = rr.req;
  ask(
      *ctx->sys, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond, limit](std::vector<job_record>& jobs) {
        boost::json::array out;
        for (const auto& j : jobs)
          out.push_back(actors::job_to_json(j));
        boost::json::value next = jobs.size() == limit ? boost::json::value(jobs.back().id) : nullptr;
        respond(json_response(*req, http::status::ok, boost::json::object{{"jobs", std::move(out)}, {"next_after", next}}));
      },
      error_replier(req, respond), actors::list_atom::value, std::move(filter));
}

void list_items(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto parsed = parse_item_filter(rr.path.at("id"), rr.query);
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto filter = std::get<storage::item_filter>(std::move(parsed));
  auto limit = static_cast<std::size_t>(filter.limit);
  auto req = rr.req;
  ask(
      *ctx->sys, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond, limit](std::vector<storage::item_record>& items) {
        boost::json::array out;
        for (const auto& i : items)
          out.push_back(actors::item_to_json(i));
        boost::json::value next = items.size() == limit ? boost::json::value(items.back().index) : nullptr;
        respond(json_response(*req, http::status::ok, boost::json::object{{"items", std::move(out)}, {"next_after", next}}));
      },
      error_replier(req, respond), actors::items_atom::value, std::move(filter));
}

}  // namespace

void add_job_routes(router& r, std::shared_ptr<const api_context> ctx) {
  auto bind = [ctx](void (*f)(const ctx_ptr&, route_request, responder)) {
    return [ctx, f](route_request rr, responder respond) { f(ctx, std::move(rr), std::move(respond)); };
  };
  r.add(http::verb::post, "/api/v1/jobs", bind(submit));
  r.add(http::verb::get, "/api/v1/jobs", bind(list_jobs));
  r.add(http::verb::get, "/api/v1/jobs/{id}", bind(get_job));
  r.add(http::verb::get, "/api/v1/jobs/{id}/progress", bind(get_progress));
  r.add(http::verb::get, "/api/v1/jobs/{id}/items", bind(list_items));
  r.add(http::verb::post, "/api/v1/jobs/{id}/cancel", bind(cancel_job));
}

}  // namespace jobmesh::net
