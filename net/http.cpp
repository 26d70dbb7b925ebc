#include "net/http.hpp"

#include "actors/json_text.hpp"

#include <simdjson.h>

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

// The length of the UTF-8 sequence `lead` begins, or 0 for a byte that begins none.
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

boost::json::object error_body(std::string_view code, std::string_view message, boost::json::object details) {
  for (auto& [key, value] : details)
    if (value.is_string())
      value = as_utf8(value.as_string());
  return {{"error", {{"code", code}, {"message", as_utf8(message)}, {"details", std::move(details)}}}};
}

}  // namespace

std::string as_utf8(std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size()))
    return std::string{text};
  static constexpr std::string_view k_replacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    auto n = sequence_length(static_cast<unsigned char>(text[i]));
    // simdjson's check of the one sequence also refuses overlong forms, surrogates and > U+10FFFF.
    if (n > 0 && i + n <= text.size() && simdjson::validate_utf8(text.data() + i, n)) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out.append(k_replacement);
      ++i;
    }
  }
  return out;
}

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

response document_response(const request& req, std::string body, std::string_view content_type,
                           std::string_view security_policy) {
  response res{http::status::ok, req.version()};
  res.set(http::field::server, k_server_name);
  res.set(http::field::content_type, content_type);
  res.set("Content-Security-Policy", security_policy);
  res.set("X-Content-Type-Options", "nosniff");
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
