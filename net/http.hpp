#pragma once
/// The HTTP vocabulary the gateway uses: Beast's string-bodied request and response, JSON
/// replies, and API.md's error body `{"error": {"code", "message", "details"}}`.

#include <boost/beast/http.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace jobmesh::net {

namespace http = boost::beast::http;

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

/// `text` as valid UTF-8: each byte that begins no valid sequence becomes U+FFFD. Error
/// messages quote requests (a path's `%ff` decodes to a byte that is not UTF-8), and API.md's
/// replies are UTF-8.
std::string as_utf8(std::string_view text);

/// A JSON reply with `status`, keeping `req`'s HTTP version and keep-alive.
response json_response(const request& req, http::status status, const boost::json::value& body);

/// A reply whose body is JSON text made elsewhere, with `status`.
response json_text_response(const request& req, http::status status, std::string body);

/// A document for a browser (a page, a dashboard file): `body` as `content_type`, with the
/// Content-Security-Policy `security_policy` and no type sniffing, keeping `req`'s HTTP version
/// and keep-alive.
response document_response(const request& req, std::string body, std::string_view content_type,
                           std::string_view security_policy);

/// API.md's error reply; `details` may name the offending field.
response error_response(const request& req, http::status status, std::string_view code, std::string_view message,
                        boost::json::object details = {});

/// An error reply for a request that never got as far as a request object (bad framing).
response error_response(unsigned version, http::status status, std::string_view code, std::string_view message);

}  // namespace jobmesh::net
