// libFuzzer target: bytes as they come off a socket, through what the server runs before a
// handler: Beast's parser with the server's limits, the exposure checks, the token check
// (auth.mode jwt through libjwt) and the router, with every route of the OpenAPI document (the
// tests keep it equal to the server's routes) answered by a stub. Never a crash, and every
// parsed request gets exactly one reply.
#include "net/auth.hpp"
#include "net/exposure.hpp"
#include "net/router.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstdlib>

namespace jobmesh::net {
const std::string& openapi_document();  // embedded_openapi.cpp
}

namespace {

using namespace jobmesh;
namespace http = boost::beast::http;

http::verb verb_of(std::string_view m) {
  return m == "get" ? http::verb::get : m == "post" ? http::verb::post : m == "put" ? http::verb::put
       : m == "delete" ? http::verb::delete_ : http::verb::patch;
}

net::router make_router() {
  static const config::settings s = [] {
    config::settings out;
    out.auth.mode = "jwt";
    out.auth.secret = "a fuzzing secret of at least 32 characters";
    out.server.allowed_origins = "https://ops.example.com";
    return out;
  }();
  net::router r;
  r.set_screen([checks = std::make_shared<const net::exposure>(s)](const net::request& req, net::body_kinds kinds) {
    return checks->check(req, kinds == net::body_kinds::json_or_ndjson);
  });
  r.set_guard([](const net::request& req, const std::map<std::string, std::string>&)
                  -> std::variant<net::identity, net::response> {
    auto who = net::authenticate(s.auth, req, {});
    if (auto* failure = std::get_if<net::auth_failure>(&who))
      return net::error_response(req, http::status::unauthorized, "unauthorized", failure->message);
    return std::get<net::identity>(std::move(who));
  });
  auto doc = boost::json::parse(net::openapi_document()).as_object();
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, operation] : item.as_object())
      if (operation.is_object() && operation.as_object().contains("responses"))
        r.add(verb_of(method), std::string{path}, [](net::route_request rr, net::responder respond) {
          respond(net::error_response(*rr.req, http::status::ok, "stub", "ok"));
        }, method == "post" ? net::body_kinds::json_or_ndjson : net::body_kinds::json);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const net::router routes = make_router();
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 << 10);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  auto buffer = boost::asio::buffer(data, size);
  while (buffer.size() > 0 && !parser.is_done()) {
    auto used = parser.put(buffer, ec);
    if (ec == http::error::need_more)
      ec = {};
    if (ec || used == 0)
      break;
    buffer += used;
  }
  if (ec || !parser.is_done())
    return 0;
  auto req = std::make_shared<const net::request>(parser.release());
  int replies = 0;
  routes.dispatch(req, [&](net::response res) {
    ++replies;
    if (res.result_int() < 200 || res.result_int() > 599)
      std::abort();
  });
  if (replies != 1)
    std::abort();
  return 0;
}
