#include "net/http.hpp"

#include "actors/json_text.hpp"

namespace jobmesh::net {

namespace {

constexpr std::string_view k_server_name = "jobmesh";

response make_json(unsigned version, bool keep_alive, http::status status, const boost::json::value& body) {
  response res{status, version};
  res.set(http::field::server, k_server_name);
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = actors::json_text(body);
  res.prepare_payload();
  return res;
}

boost::json::object error_body(std::string_view code, std::string_view message, boost::json::object details) {
  return {{"error", {{"code", code}, {"message", message}, {"details", std::move(details)}}}};
}

}  // namespace

response json_response(const request& req, http::status status, const boost::json::value& body) {
  return make_json(req.version(), req.keep_alive(), status, body);
}

response json_text_response(const request& req, http::status status, std::string body) {
  response res{status, req.version()};
  res.set(http::field::server, k_server_name);
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

response error_response(const request& req, http::status status, std::string_view code, std::string_view message,
                        boost::json::object details) {
  return make_json(req.version(), req.keep_alive(), status, error_body(code, message, std::move(details)));
}

response error_response(unsigned version, http::status status, std::string_view code, std::string_view message) {
  return make_json(version, false, status, error_body(code, message, {}));
}

}  // namespace jobmesh::net
