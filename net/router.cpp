#include "net/router.hpp"

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace jobmesh::net {

namespace {

bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
             std::map<std::string, std::string>& captured) {
  if (pattern.size() != segments.size())
    return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}')
      captured[p.substr(1, p.size() - 2)] = segments[i];
    else if (p != segments[i])
      return false;
  }
  return true;
}

// Each method once (two routes may match one path: `/healthz` and `/{file}`), HEAD beside GET.
std::string allowed_methods(const std::vector<http::verb>& verbs) {
  std::vector<http::verb> allowed;
  for (auto v : verbs) {
    if (std::find(allowed.begin(), allowed.end(), v) != allowed.end())
      continue;
    allowed.push_back(v);
    if (v == http::verb::get)
      allowed.push_back(http::verb::head);
  }
  std::string out;
  for (auto v : allowed)
    out += (out.empty() ? "" : ", ") + std::string{http::to_string(v)};
  return out;
}


}  // namespace

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    auto slash = path.find('/', pos);
    auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > pos)
      out.emplace_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

void router::add(http::verb method, std::string pattern, handler h, body_kinds accepts) {
  auto segments = split_path(pattern);
  routes_.push_back({method, std::move(segments), std::move(h), accepts, false, std::move(pattern)});
}

void router::add_open(http::verb method, std::string pattern, handler h) {
  add(method, std::move(pattern), std::move(h));
  routes_.back().open = true;
}

std::vector<std::pair<http::verb, std::string>> router::routes() const {
  std::vector<std::pair<http::verb, std::string>> out;
  for (const auto& r : routes_)
    out.emplace_back(r.method, r.pattern);
  return out;
}

bool router::knows(std::string_view target) const {
  auto url = boost::urls::parse_origin_form(target);
  if (!url)
    return false;
  auto segments = split_path(std::string{url->path()});
  std::map<std::string, std::string> ignored;
  for (const auto& r : routes_)
    if (matches(r.segments, segments, ignored))
      return true;
  return false;
}

namespace {

// The responder that also counts the reply under `route`.
responder counted(responder respond, const std::shared_ptr<actors::metrics>& m, std::string route) {
  if (!m)
    return respond;
  return [respond = std::move(respond), m, route = std::move(route), started = std::chrono::steady_clock::now()](
             response res) {
    m->http_request(route, res.result_int(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    respond(std::move(res));
  };
}

}  // namespace

void router::dispatch(std::shared_ptr<const request> req, responder uncounted) const {
  // Until a route matches, the request counts as unmatched (404, 405, a bad target).
  auto respond = counted(uncounted, metrics_, "unmatched");
  auto url = boost::urls::parse_origin_form(req->target());
  if (!url)
    return respond(error_response(*req, http::status::bad_request, "bad_target", "the request target is not a valid path"));
  route_request rr{req, {}, {}};
  for (const auto& p : url->params()) {
    // A bare `?`, a trailing `&` or `&&` carry no option: nothing to read, nothing to refuse.
    if (p.key.empty() && !p.has_value)
      continue;
    // One value per option: with two, which one counts would be a guess (the last, silently).
    std::string key{p.key};
    if (!rr.query.try_emplace(key, std::string{p.value}).second)
      return respond(error_response(*req, http::status::bad_request, "invalid_request",
                                    fmt::format("query option '{}' is given more than once", key), {{"field", key}}));
  }
  auto segments = split_path(std::string{url->path()});
  // A HEAD is routed as its GET; the session sends the reply without its body.
  auto method = req->method() == http::verb::head ? http::verb::get : req->method();
  std::vector<http::verb> other_methods;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> captured;
    if (!matches(r.segments, segments, captured))
      continue;
    if (r.method != method) {
      other_methods.push_back(r.method);
      continue;
    }
    rr.path = std::move(captured);
    respond = counted(std::move(uncounted), metrics_, r.pattern);
    if (screen_)
      if (auto refused = screen_(*req, r.accepts))
        return respond(std::move(*refused));
    if (guard_ && !r.open && !r.segments.empty() && r.segments.front() == "api") {
      auto who = guard_(*req, rr.query);
      if (auto* refusal = std::get_if<response>(&who))
        return respond(std::move(*refusal));
      rr.who = std::get<identity>(std::move(who));
    }
    return r.h(std::move(rr), std::move(respond));
  }
  if (other_methods.empty())
    return respond(error_response(*req, http::status::not_found, "not_found",
                                  "no route for " + std::string{url->path()}));
  auto res = error_response(*req, http::status::method_not_allowed, "method_not_allowed",
                            std::string{req->method_string()} + " is not allowed here; use " + allowed_methods(other_methods));
  res.set(http::field::allow, allowed_methods(other_methods));
  respond(std::move(res));
}

}  // namespace jobmesh::net
