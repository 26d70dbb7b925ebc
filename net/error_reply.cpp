#include "net/error_reply.hpp"

#include "net/job_request.hpp"

#include "actors/errors.hpp"

#include <caf/sec.hpp>

namespace jobmesh::net {

namespace {

constexpr std::string_view k_retry_after_s = "1";

http::status status_of(actors::errc code) {
  using actors::errc;
  switch (code) {
    case errc::invalid_argument:
    case errc::unknown_job_type: return http::status::bad_request;
    case errc::not_found: return http::status::not_found;
    case errc::conflict:
    case errc::stale_attempt: return http::status::conflict;
    case errc::overloaded: return http::status::service_unavailable;
    case errc::storage_failure:
    case errc::internal: return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

}  // namespace

response unavailable(const request& req, std::string_view code, std::string_view message) {
  auto res = unavailable(req.version(), code, message);
  res.keep_alive(req.keep_alive());
  return res;
}

response unavailable(unsigned version, std::string_view code, std::string_view message) {
  auto res = error_response(version, http::status::service_unavailable, code, message);
  res.set(http::field::retry_after, k_retry_after_s);
  return res;
}

response reply_for_error(const request& req, const caf::error& error) {
  if (actors::is_jobmesh_error(error)) {
    auto code = actors::code_of(error);
    if (code == actors::errc::overloaded)
      return unavailable(req, "overloaded", actors::message_of(error));
    boost::json::object details;
    if (auto field = actors::field_of(error); !field.empty())
      details["field"] = field;
    return error_response(req, status_of(code), actors::to_string(code), actors::message_of(error),
                          std::move(details));
  }
  if (error == caf::sec::request_timeout)
    return unavailable(req, "timeout", "the engine did not answer in time; try again");
  if (error == caf::sec::request_receiver_down)
    return unavailable(req, "unavailable", "the engine is restarting or stopping; try again");
  return error_response(req, http::status::internal_server_error, "internal", caf::to_string(error));
}

response bad_request(const request& req, const field_error& e) {
  boost::json::object details;
  if (!e.field.empty())
    details["field"] = e.field;
  return error_response(req, http::status::bad_request, "invalid_request", e.message, std::move(details));
}

}  // namespace jobmesh::net
