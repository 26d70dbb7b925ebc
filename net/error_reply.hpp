#pragma once
/// The one place where engine errors become HTTP status codes (API.md "Errors").

#include "net/http.hpp"
#include "net/router.hpp"

#include <caf/error.hpp>

namespace jobmesh::net {

/// The reply for an error an actor answered with. Timeouts and overload answer 503 with
/// Retry-After; unknown failures 500 without internals beyond the message.
response reply_for_error(const request& req, const caf::error& error);

/// 503 with Retry-After: the engine cannot answer now (overloaded, timed out, stopping).
response unavailable(unsigned version, std::string_view code, std::string_view message);
/// The same in answer to `req` (its keep-alive kept).
response unavailable(const request& req, std::string_view code, std::string_view message);

struct field_error;

/// 400 `invalid_request` for a rule a request broke, naming the field in `details.field`.
response bad_request(const request& req, const field_error& e);

/// The error half of a request to an actor: answers `req` through `respond` with
/// `reply_for_error`. Any thread.
inline auto error_replier(std::shared_ptr<const request> req, responder respond) {
  return [req = std::move(req), respond = std::move(respond)](caf::error& e) { respond(reply_for_error(*req, e)); };
}

}  // namespace jobmesh::net
