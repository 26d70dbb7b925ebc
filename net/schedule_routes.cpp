// Recurring jobs (API.md `schedules`): list them, and create or change one by name. The
// handler checks the body (cron, type and params, each named when wrong), asks the scheduler
// once, and turns its answer into HTTP.
#include "actors/cron.hpp"
#include "actors/job_json.hpp"
#include "actors/scheduler.hpp"
#include "match/json_keys.hpp"
#include "net/actor_bridge.hpp"
#include "net/api.hpp"
#include "net/error_reply.hpp"
#include "net/job_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace jobmesh::net {

namespace {

using ctx_ptr = std::shared_ptr<const api_context>;
using storage::schedule_record;

constexpr std::size_t k_max_name_length = 64;

bool is_schedule_name(std::string_view name) {
  return !name.empty() && name.size() <= k_max_name_length &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

boost::json::object schedule_json(const schedule_record& s) {
  boost::json::value next = nullptr;
  if (auto parsed = actors::parse_cron(s.cron); s.enabled && std::holds_alternative<actors::cron_schedule>(parsed))
    if (auto due = actors::next_due(std::get<actors::cron_schedule>(parsed), s.last_due_at))
      next = actors::format_time(*due);
  return {{"name", s.name},
          {"cron", s.cron},
          {"type", s.type},
          {"params", boost::json::parse(s.params)},
          {"priority", s.priority},
          {"enabled", s.enabled},
          {"next_due_at", next},
          {"last_due_at", s.last_due_at > 0 ? boost::json::value(actors::format_time(s.last_due_at)) : nullptr},
          {"created_at", actors::format_time(s.created_at)},
          {"updated_at", actors::format_time(s.updated_at)}};
}

std::optional<field_error> read_member(const boost::json::key_value_pair& kv, schedule_record& out) {
  auto key = std::string_view{kv.key()};
  const auto& v = kv.value();
  if ((key == "cron" || key == "type") && v.is_string())
    (key == "cron" ? out.cron : out.type) = std::string{v.as_string()};
  else if (key == "params" && v.is_object())
    out.params = boost::json::serialize(v);
  else if (key == "priority" && v.is_int64() && std::abs(v.as_int64()) <= 100)
    out.priority = v.as_int64();
  else if (key == "enabled" && v.is_bool())
    out.enabled = v.as_bool();
  else if (key == "cron" || key == "type" || key == "params" || key == "priority" || key == "enabled")
    return field_error{std::string{key}, fmt::format("{} must be {}", key,
                                                     key == "params"     ? "a JSON object"
                                                     : key == "priority" ? "an integer in [-100, 100]"
                                                     : key == "enabled"  ? "true or false"
                                                                         : "a string")};
  else
    return field_error{std::string{key}, fmt::format("unknown field '{}'", key)};
  return std::nullopt;
}

// `{"cron", "type", "params"?, "priority"?, "enabled"?}`, every rule checked here, named.
std::variant<schedule_record, field_error> parse_schedule(const api_context& ctx, std::string name,
                                                          const std::string& body) {
  if (!is_schedule_name(name))
    return field_error{"name", "a schedule's name is 1 to 64 letters, digits, '-', '_' or '.'"};
  if (auto twice = match::first_duplicate_key(body))
    return field_error{*twice, match::duplicate_key_message(*twice)};
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object())
    return field_error{"", R"(the body must be a JSON object: {"cron", "type", "params"?, "priority"?, "enabled"?})"};
  schedule_record out;
  out.name = std::move(name);
  for (const auto& kv : doc.as_object())
    if (auto e = read_member(kv, out))
      return *e;
  if (out.cron.empty())
    return field_error{"cron", "cron is required (5 fields: minute hour day-of-month month day-of-week, UTC)"};
  if (out.type.empty())
    return field_error{"type", "type is required"};
  if (auto problem = actors::schedule_problem(*ctx.engine.types, out))
    return field_error{problem->first, problem->first + ": " + problem->second};
  return out;
}

void list_schedules(const ctx_ptr& ctx, route_request rr, responder respond) {
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.scheduler, ctx->request_timeout(),
      [req, respond](std::vector<schedule_record>& all) {
        boost::json::array out;
        for (const auto& s : all)
          out.push_back(schedule_json(s));
        respond(json_response(*req, http::status::ok, boost::json::object{{"schedules", std::move(out)}}));
      },
      error_replier(req, respond), caf::get_atom::value);
}

void put_schedule(const ctx_ptr& ctx, route_request rr, responder respond) {
  if (forbid_unless(rr.who.is_admin(), rr, respond, "admin"))
    return;
  auto parsed = parse_schedule(*ctx, rr.path.at("name"), rr.req->body());
  if (auto* e = std::get_if<field_error>(&parsed))
    return respond(bad_request(*rr.req, *e));
  auto req = rr.req;
  ask(
      *ctx->bridge, ctx->engine.scheduler, ctx->request_timeout(),
      [req, respond](schedule_record& stored) { respond(json_response(*req, http::status::ok, schedule_json(stored))); },
      error_replier(req, respond), caf::put_atom::value, std::get<schedule_record>(std::move(parsed)));
}

}  // namespace

void add_schedule_routes(router& r, std::shared_ptr<const api_context> ctx) {
  r.add(http::verb::get, "/api/v1/schedules", [ctx](route_request rr, responder respond) {
    list_schedules(ctx, std::move(rr), std::move(respond));
  });
  r.add(http::verb::put, "/api/v1/schedules/{name}", [ctx](route_request rr, responder respond) {
    put_schedule(ctx, std::move(rr), std::move(respond));
  });
}

}  // namespace jobmesh::net
