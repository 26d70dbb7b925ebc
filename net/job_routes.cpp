// The jobs API (API.md "Jobs"): each handler checks the request, asks the job supervisor once,
// and turns its answer into HTTP. A single submission asks it together with other connections'
// (submit_lane.hpp).
#include "actors/errors.hpp"
#include "actors/job_json.hpp"
#include "actors/match_json.hpp"
#include "match/query.hpp"
#include "match/json_keys.hpp"
#include "net/actor_bridge.hpp"
#include "net/api.hpp"
#include "net/error_reply.hpp"
#include "net/job_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <fmt/format.h>

namespace jobmesh::net {

namespace {

using ctx_ptr = std::shared_ptr<const api_context>;
using storage::job_record;

// Replies with `render(job)` (a JSON object, or JSON text written straight from the record)
// with status 200.
template <class Render>
auto job_replier(std::shared_ptr<const request> req, responder respond, Render render) {
  return [req = std::move(req), respond = std::move(respond), render](const job_record& job) {
    auto body = render(job);
    if constexpr (std::is_same_v<decltype(body), std::string>)
      respond(json_text_response(*req, http::status::ok, std::move(body)));
    else
      respond(json_response(*req, http::status::ok, body));
  };
}

boost::json::object progress_now(const job_record& job) {
  return actors::progress_to_json(job, actors::now_ms());
}

boost::json::array jobs_json(const std::vector<job_record>& jobs) {
  boost::json::array out;
  for (const auto& j : jobs)
    out.push_back(actors::job_to_json(j));
  return out;
}

// Why `who` may not submit a job of `type`, if it may not: a type that writes what all users
// share needs an operator (job_type::for_operators). An unknown type passes: the supervisor
// names it.
std::optional<std::string> type_refusal(const api_context& ctx, const identity& who, const std::string& type) {
  const auto* t = ctx.engine.types->find(type);
  if (t == nullptr || !t->for_operators || who.writes_data())
    return std::nullopt;
  return fmt::format("job type '{}' needs the role admin or service; {} has role {}", type, who.user,
                     to_string(who.role));
}

// 400 for a bulk submission of which no line was taken, naming the first line rejected; 403
// when every line was refused for its type's role (as one such submission alone is).
response no_line_taken(const request& req, std::vector<line_error> rejected, std::size_t role_refusals = 0) {
  bool forbidden = !rejected.empty() && role_refusals == rejected.size();
  std::sort(rejected.begin(), rejected.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  boost::json::array rejected_json;
  for (const auto& r : rejected)
    rejected_json.push_back({{"line", r.line}, {"field", r.field}, {"message", r.message}});
  boost::json::object details;
  if (!rejected.empty())
    details = {{"field", rejected.front().field}, {"line", rejected.front().line}};
  return json_response(req, forbidden ? http::status::forbidden : http::status::bad_request,
                       {{"jobs", boost::json::array{}},
                        {"rejected", std::move(rejected_json)},
                        {"error",
                         {{"code", forbidden ? "forbidden" : "invalid_request"},
                          {"message", fmt::format("no line was taken: {} rejected", rejected.size())},
                          {"details", std::move(details)}}}});
}

// API.md: `{"jobs": [...], "rejected": [{"line","field","message"}]}`, each job once per line
// it answers (with `line`, and `created` false for an idempotent replay). 202 when a job was
// created, 200 when every line named a stored job, 400 when no line was taken.
void submit_many(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto parsed = parse_job_specs(rr.req->body());
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto lines = std::make_shared<spec_lines>();
  std::size_t role_refusals = 0;
  {
    auto all = std::get<spec_lines>(std::move(parsed));
    lines->rejected = std::move(all.rejected);
    for (std::size_t i = 0; i < all.specs.size(); ++i) {
      if (auto why = type_refusal(*ctx, rr.who, all.specs[i].type)) {
        lines->rejected.push_back({all.lines[i], "type", std::move(*why)});
        ++role_refusals;
        continue;
      }
      all.specs[i].user_id = rr.who.user;
      all.specs[i].sees_all_jobs = rr.who.sees_all_jobs();
      lines->specs.push_back(std::move(all.specs[i]));
      lines->lines.push_back(all.lines[i]);
    }
  }
  if (lines->specs.empty())
    return respond(no_line_taken(*rr.req, lines->rejected, role_refusals));
  auto specs = lines->specs;
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond, lines](actors::bulk_submission& answer) {
        auto rejected = lines->rejected;
        for (const auto& r : answer.refused)
          rejected.push_back({lines->lines[static_cast<std::size_t>(r.index)], r.field, r.message});
        if (answer.jobs.empty())  // every non-2xx reply carries API.md's error, naming the first line
          return respond(no_line_taken(*req, std::move(rejected)));
        std::sort(rejected.begin(), rejected.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
        boost::json::array rejected_json;
        for (const auto& r : rejected)
          rejected_json.push_back({{"line", r.line}, {"field", r.field}, {"message", r.message}});
        // Written straight out: a reply of 10,000 jobs built as JSON objects first costs more
        // than the jobs' whole commit.
        std::string body;
        body.reserve(answer.jobs.size() * 700 + 64);
        body += R"({"jobs":[)";
        bool any_created = false;
        for (std::size_t i = 0; i < answer.jobs.size(); ++i) {
          if (i > 0)
            body += ',';
          actors::append_job_json(body, answer.jobs[i]);
          body.pop_back();  // its closing brace: the line and whether it was created follow
          fmt::format_to(std::back_inserter(body), R"(,"line":{},"created":{}}})",
                         lines->lines[static_cast<std::size_t>(answer.indexes[i])],
                         answer.created[i] != 0 ? "true" : "false");
          any_created = any_created || answer.created[i] != 0;
        }
        body += R"(],"rejected":)";
        actors::append_json(body, rejected_json);
        body += '}';
        respond(json_text_response(*req, any_created ? http::status::accepted : http::status::ok, std::move(body)));
      },
      error_replier(req, respond), actors::submit_atom::value, std::move(specs));
}

void submit(const ctx_ptr& ctx, route_request rr, responder respond) {
  if (refuse_if_limited(*ctx, rr, respond))
    return;
  if (is_ndjson(*rr.req))
    return submit_many(ctx, std::move(rr), respond);
  auto parsed = parse_job_spec(rr.req->body());
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto spec = std::get<actors::job_spec>(std::move(parsed));
  if (auto why = type_refusal(*ctx, rr.who, spec.type))
    return respond(error_response(*rr.req, http::status::forbidden, "forbidden", *why, {{"field", "type"}}));
  spec.user_id = rr.who.user;
  spec.sees_all_jobs = rr.who.sees_all_jobs();
  auto req = rr.req;
  ctx->submits->submit(
      std::move(spec),
      [req, respond](job_record& job, bool created) {
        auto res = json_text_response(*req, created ? http::status::accepted : http::status::ok,
                                      actors::job_json_text(job));
        res.set(http::field::location, "/api/v1/jobs/" + job.id);
        respond(std::move(res));
      },
      error_replier(req, respond));
}

// `{"priority"?, "params"?: {type: {...}}}`; an empty body is `{}`.
std::variant<actors::group_request, field_error> parse_group_request(const std::string& body) {
  actors::group_request out;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    return out;
  if (auto twice = match::first_duplicate_key(body))
    return field_error{*twice, match::duplicate_key_message(*twice)};
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object())
    return field_error{"", "the body must be a JSON object: {\"priority\"?, \"params\"?: {type: {...}}}"};
  for (const auto& [key, value] : doc.as_object()) {
    if (key == "priority" && value.is_int64() && std::abs(value.as_int64()) <= 100) {
      out.priority = value.as_int64();
    } else if (key == "params" && value.is_object()) {
      for (const auto& [type, params] : value.as_object()) {
        if (!params.is_object())
          return field_error{fmt::format("params.{}", std::string_view{type}), "must be a JSON object"};
        out.params[std::string{type}] = boost::json::serialize(params);
      }
    } else {
      return field_error{std::string{key}, key == "priority" ? "priority must be an integer in [-100, 100]"
                                           : key == "params" ? "params must be an object of type -> params"
                                                             : fmt::format("unknown field '{}'", std::string_view{key})};
    }
  }
  return out;
}

void enqueue_group(const ctx_ptr& ctx, route_request rr, responder respond) {
  if (refuse_if_limited(*ctx, rr, respond))
    return;
  auto parsed = parse_group_request(rr.req->body());
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto request = std::get<actors::group_request>(std::move(parsed));
  request.group = rr.path.at("group");
  for (const auto* type : ctx->engine.types->group_closure(request.group))
    if (auto why = type_refusal(*ctx, rr.who, type->name))
      return respond(error_response(*rr.req, http::status::forbidden, "forbidden",
                                    fmt::format("group '{}': {}", request.group, *why), {{"field", "group"}}));
  request.user_id = rr.who.user;
  auto req = rr.req;
  auto group = request.group;
  ask(
      *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond, group](std::vector<job_record>& jobs) {
        respond(json_response(*req, http::status::accepted,
                              boost::json::object{{"group", group}, {"jobs", jobs_json(jobs)}}));
      },
      error_replier(req, respond), actors::enqueue_atom::value, std::move(request));
}

void queue_statistics(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond](actors::queue_report& report) {
        boost::json::object types;
        for (const auto& s : report.types)
          types[s.type] = {{"queue_depth", s.queue_depth},
                           {"processing_count", s.processing_count},
                           {"completed_today", s.completed_today},
                           {"failed_today", s.failed_today},
                           {"average_processing_time_ms", static_cast<std::int64_t>(std::llround(s.average_processing_time_ms))},
                           {"peak_queue_depth", s.peak_queue_depth}};
        respond(json_response(*req, http::status::ok,
                              boost::json::object{{"paused", report.paused}, {"types", std::move(types)}}));
      },
      error_replier(req, respond), actors::statistics_atom::value);
}

// `POST /api/v1/queue/pause` and `/resume` (admin): this node starts no job while paused;
// running jobs go on, submissions are still taken and queued. Not kept across a restart.
void pause_queue(bool on, const ctx_ptr& ctx, route_request rr, responder respond) {
  if (forbid_unless(rr.who.is_admin(), rr, respond, "admin"))
    return;
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond](actors::queue_report& report) {
        std::int64_t queued = 0, running = 0;
        for (const auto& s : report.types) {
          queued += s.queue_depth;
          running += s.processing_count;
        }
        respond(json_response(*req, http::status::ok,
                              boost::json::object{{"paused", report.paused}, {"queued", queued}, {"running", running}}));
      },
      error_replier(req, respond), actors::pause_atom::value, on);
}

void pause(const ctx_ptr& ctx, route_request rr, responder respond) {
  pause_queue(true, ctx, std::move(rr), std::move(respond));
}

void resume(const ctx_ptr& ctx, route_request rr, responder respond) {
  pause_queue(false, ctx, std::move(rr), std::move(respond));
}

caf::error no_job(const std::string& id) {
  return actors::make_error(actors::errc::not_found, "no job with id " + id);
}

// Asks for the job of the path's `id`; `then(job)` runs only when the caller may see it: for
// another user's job the reply is 404, as for a job that does not exist.
// A job that ended lately is answered from the engine's finished jobs, here on the I/O thread
// (actors/finished_jobs.hpp says why that is never stale); any other from the supervisor.
template <class Then>
void with_visible_job(const ctx_ptr& ctx, const route_request& rr, responder respond, Then then) {
  auto req = rr.req;
  if (ctx->engine.finished) {
    if (auto job = ctx->engine.finished->find(rr.path.at("id"), actors::now_ms())) {
      if (!may_see(rr.who, job->user_id))
        return respond(reply_for_error(*req, no_job(job->id)));
      return then(*job);
    }
  }
  ask(
      *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond, who = rr.who, then](const job_record& job) mutable {
        if (!may_see(who, job.user_id))
          return respond(reply_for_error(*req, no_job(job.id)));
        then(job);
      },
      error_replier(req, respond), caf::get_atom::value, rr.path.at("id"));
}

// Runs `act` for the path's job once the caller is known to own it (admin and service act on
// all: no extra read for them).
template <class Act>
void when_owned(const ctx_ptr& ctx, const route_request& rr, responder respond, Act act) {
  if (rr.who.sees_all_jobs())
    return act();
  with_visible_job(ctx, rr, std::move(respond), [act](const job_record&) mutable { act(); });
}

void get_job(const ctx_ptr& ctx, route_request rr, responder respond) {
  with_visible_job(ctx, rr, respond, job_replier(rr.req, respond, actors::job_json_text));
}

void get_progress(const ctx_ptr& ctx, route_request rr, responder respond) {
  with_visible_job(ctx, rr, respond, job_replier(rr.req, respond, progress_now));
}

void cancel_job(const ctx_ptr& ctx, route_request rr, responder respond) {
  when_owned(ctx, rr, respond, [ctx, rr, respond] {
    ask(*ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(), job_replier(rr.req, respond, actors::job_json_text),
        error_replier(rr.req, respond), actors::cancel_atom::value, rr.path.at("id"));
  });
}

void retry_job(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto retry = [ctx, rr, respond] {
    auto req = rr.req;
    ask(
        *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
        [req, respond](job_record& job) { respond(json_text_response(*req, http::status::accepted, actors::job_json_text(job))); },
        error_replier(req, respond), actors::retry_atom::value, rr.path.at("id"));
  };
  if (rr.who.sees_all_jobs())
    return retry();
  // A user's own job of a type it may no longer submit (made before the type needed an
  // operator) does not run again at its word either.
  with_visible_job(ctx, rr, respond, [ctx, rr, respond, retry](const job_record& job) mutable {
    if (auto why = type_refusal(*ctx, rr.who, job.type))
      return respond(error_response(*rr.req, http::status::forbidden, "forbidden", *why, {{"field", "type"}}));
    retry();
  });
}


void list_jobs(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto parsed = parse_job_filter(rr.query);
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto filter = std::get<storage::job_filter>(std::move(parsed));
  if (!rr.who.sees_all_jobs())
    filter.user_id = rr.who.user;  // a user lists its own jobs only, whatever `user` says
  auto limit = static_cast<std::size_t>(filter.limit);
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
      [req, respond, limit](std::vector<job_record>& jobs) {
        boost::json::array out;
        for (const auto& j : jobs)
          out.push_back(actors::job_to_json(j));
        boost::json::value next = jobs.size() == limit ? boost::json::value(jobs.back().id) : nullptr;
        respond(json_response(*req, http::status::ok, boost::json::object{{"jobs", std::move(out)}, {"next_after", next}}));
      },
      error_replier(req, respond), actors::list_atom::value, std::move(filter));
}

// {"jobs": [...], "stall_threshold_s": n}: the stalled jobs, or those a cleanup just changed.
auto stalled_replier(const ctx_ptr& ctx, std::shared_ptr<const request> req, responder respond) {
  return [req = std::move(req), respond = std::move(respond),
          threshold = ctx->settings.jobs.stall_threshold_s](std::vector<job_record>& jobs) {
    boost::json::array out;
    for (const auto& j : jobs)
      out.push_back(actors::job_to_json(j));
    respond(json_response(*req, http::status::ok,
                          boost::json::object{{"jobs", std::move(out)}, {"stall_threshold_s", threshold}}));
  };
}

void list_stalled(const ctx_ptr& ctx, route_request rr, responder respond) {
  if (forbid_unless(rr.who.is_admin(), rr, respond, "admin"))
    return;
  ask(*ctx->bridge, ctx->engine.sweeper, ctx->request_timeout(), stalled_replier(ctx, rr.req, respond),
      error_replier(rr.req, respond), actors::stalled_atom::value);
}

void clean_up_stalled(const ctx_ptr& ctx, route_request rr, responder respond) {
  if (forbid_unless(rr.who.is_admin(), rr, respond, "admin"))
    return;
  ask(*ctx->bridge, ctx->engine.sweeper, ctx->request_timeout(), stalled_replier(ctx, rr.req, respond),
      error_replier(rr.req, respond), actors::stalled_atom::value, actors::cleanup_atom::value);
}

void list_items(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto parsed = parse_item_filter(rr.path.at("id"), rr.query);
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto filter = std::get<storage::item_filter>(std::move(parsed));
  auto limit = static_cast<std::size_t>(filter.limit);
  auto req = rr.req;
  // The job is looked up for every caller (not only for users, as when_owned does): the items of
  // a job that does not exist are a 404, not an empty page.
  with_visible_job(ctx, rr, respond, [ctx, req, respond, limit, filter](const job_record&) {
    ask(
        *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
        [req, respond, limit](std::vector<storage::item_record>& items) {
          boost::json::array out;
          for (const auto& i : items)
            out.push_back(actors::item_to_json(i));
          boost::json::value next = items.size() == limit ? boost::json::value(items.back().index) : nullptr;
          respond(json_response(*req, http::status::ok,
                                boost::json::object{{"items", std::move(out)}, {"next_after", next}}));
        },
        error_replier(req, respond), actors::items_atom::value, filter);
  });
}

// A stored item result goes out as it was written (fmt's plain decimals), not re-serialised.
void append_entry(std::string& out, const storage::item_record& item) {
  fmt::format_to(std::back_inserter(out), R"({}{{"index":{},"key":{},"result":{}}})", out.empty() ? "" : ",",
                 item.index, actors::json_string(item.key), item.result.empty() ? "null" : item.result);
}

double score_of(const storage::item_record& item) {
  boost::system::error_code ec;
  auto v = boost::json::parse(item.result, ec);
  const auto* s = ec || !v.is_object() ? nullptr : v.as_object().if_contains("score");
  return s && s->is_number() ? s->to_number<double>() : -1.0;
}

// One page of a job's result (API.md `GET /api/v1/jobs/{id}/result`): what its items produced,
// in item order or, for a type that ranks its results, by score, best first; failed items as
// errors. `next_after` pages on: an item index, or a rank for ranked results.
std::string result_page(const job_record& job, const std::vector<storage::item_record>& items, bool ranked,
                        const storage::item_filter& page) {
  std::vector<const storage::item_record*> done;
  std::string errors;
  for (const auto& item : items) {
    if (item.status == storage::item_status::failed)
      fmt::format_to(std::back_inserter(errors), R"({}{{"index":{},"key":{},"error":{}}})", errors.empty() ? "" : ",",
                     item.index, actors::json_string(item.key), actors::json_string(item.error));
    else if (item.status == storage::item_status::done && !item.result.empty())
      done.push_back(&item);
  }
  std::string results;
  std::string next = "null";
  if (ranked) {
    // Every item was read: rank them all, then page by rank.
    std::vector<std::pair<std::int64_t, const storage::item_record*>> by_score;
    for (const auto* item : done)
      by_score.emplace_back(match::rank_key(score_of(*item)), item);
    // SPEC-matching.md's ranking: key descending, then id (the item's key) ascending.
    std::sort(by_score.begin(), by_score.end(), [](const auto& a, const auto& b) {
      return match::ranks_before(a.first, a.second->key, b.first, b.second->key);
    });
    auto first = static_cast<std::size_t>(page.after + 1);
    auto end = std::min(by_score.size(), first + static_cast<std::size_t>(page.limit));
    for (auto i = first; i < end; ++i)
      append_entry(results, *by_score[i].second);
    if (end < by_score.size())
      next = std::to_string(end - 1);
  } else {
    for (const auto* item : done)
      append_entry(results, *item);
    if (static_cast<int>(items.size()) == page.limit && !items.empty())
      next = std::to_string(items.back().index);
  }
  return fmt::format(R"({{"job_id":"{}","type":{},"status":"{}","partial":{},"ranked":{},"total_items":{},)"
                     R"("processed_items":{},"failed_items":{},"results":[{}],"errors":[{}],"next_after":{}}})",
                     job.id, actors::json_string(job.type), to_string(job.status), !storage::is_terminal(job.status),
                     ranked, job.total_items, job.processed_items, job.failed_items, results, errors, next);
}

void get_result(const ctx_ptr& ctx, route_request rr, responder respond) {
  if (rr.query.count("status"))
    return respond(bad_request(*rr.req, field_error{"status", "status is not an option of a job's result"}));
  auto parsed = parse_item_filter(rr.path.at("id"), rr.query);
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto page = std::get<storage::item_filter>(std::move(parsed));
  auto req = rr.req;
  auto on_error = error_replier(req, respond);
  ask(
      *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
      [ctx, req, respond, on_error, page, who = rr.who](job_record& job) mutable {
        if (!may_see(who, job.user_id))
          return respond(reply_for_error(*req, no_job(job.id)));
        const auto* type = ctx->engine.types->find(job.type);
        bool ranked = type != nullptr && type->ranks_results;
        auto filter = page;
        if (ranked) {  // ranking needs every item
          filter.after = -1;
          filter.limit = static_cast<int>(std::min<std::int64_t>(job.total_items + 1, INT32_MAX));
        }
        ask(
            *ctx->bridge, ctx->engine.supervisor, ctx->request_timeout(),
            [req, respond, job, ranked, page](std::vector<storage::item_record>& items) {
              respond(json_text_response(*req, http::status::ok, result_page(job, items, ranked, page)));
            },
            on_error, actors::items_atom::value, std::move(filter));
      },
      on_error, caf::get_atom::value, rr.path.at("id"));
}

}  // namespace

void add_job_routes(router& r, std::shared_ptr<const api_context> ctx) {
  auto bind = [ctx](void (*f)(const ctx_ptr&, route_request, responder)) {
    return [ctx, f](route_request rr, responder respond) { f(ctx, std::move(rr), std::move(respond)); };
  };
  r.add(http::verb::post, "/api/v1/jobs", bind(submit), body_kinds::json_or_ndjson);
  r.add(http::verb::get, "/api/v1/jobs", bind(list_jobs));
  // Before /jobs/{id}: the first route that matches wins.
  r.add(http::verb::get, "/api/v1/jobs/stalled", bind(list_stalled));
  r.add(http::verb::post, "/api/v1/jobs/stalled/cleanup", bind(clean_up_stalled));
  r.add(http::verb::get, "/api/v1/jobs/{id}", bind(get_job));
  r.add(http::verb::get, "/api/v1/jobs/{id}/progress", bind(get_progress));
  r.add(http::verb::get, "/api/v1/jobs/{id}/items", bind(list_items));
  r.add(http::verb::get, "/api/v1/jobs/{id}/result", bind(get_result));
  r.add(http::verb::post, "/api/v1/jobs/{id}/cancel", bind(cancel_job));
  r.add(http::verb::post, "/api/v1/jobs/{id}/retry", bind(retry_job));
  r.add(http::verb::post, "/api/v1/job-groups/{group}/enqueue", bind(enqueue_group));
  r.add(http::verb::get, "/api/v1/queue/statistics", bind(queue_statistics));
  r.add(http::verb::post, "/api/v1/queue/pause", bind(pause));
  r.add(http::verb::post, "/api/v1/queue/resume", bind(resume));
}

}  // namespace jobmesh::net
