#pragma once
/// The one place where engine errors become HTTP status codes (API.md "Errors").

#include "net/http.hpp"

#include <caf/error.hpp>

namespace jobmesh::net {

/// The reply for an error an actor answered with. Timeouts and overload answer 503 with
/// Retry-After; unknown failures 500 without internals beyond the message.
response reply_for_error(const request& req, const caf::error& error);

}  // namespace jobmesh::net
