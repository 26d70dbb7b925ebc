#pragma once
/// The engine's error values. Actors answer with `caf::error`s of category `jobmesh`; only the
/// HTTP layer turns them into status codes (net/error_reply.cpp), in one place.

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace jobmesh::actors {

/// What went wrong, as a client can act on it.
enum class errc : std::uint8_t {
  invalid_argument = 1, ///< the request breaks a rule (400)
  not_found,            ///< no such job (404)
  conflict,             ///< the job's state forbids it, e.g. cancelling a finished job (409)
  overloaded,           ///< queue full or shutting down (503)
  storage_failure,      ///< the database refused or failed (500)
  unknown_job_type,     ///< the type is not registered (400)
  internal,             ///< a bug (500)
  stale_attempt,        ///< a runner's write was fenced off: its attempt is no longer the job's (409)
};

/// The category atom of every jobmesh error.
constexpr caf::atom_value k_error_category = caf::atom("jobmesh");

/// snake_case name: "invalid_argument", "not_found", ...
std::string_view to_string(errc code);

/// An error of category `jobmesh` carrying `message` for people.
caf::error make_error(errc code, std::string message);
/// The same naming the request's offending field (an HTTP reply's `details.field`), e.g.
/// "type", "params.items", "profile".
caf::error make_error(errc code, std::string message, std::string field);

/// The code of `e` if it is a jobmesh error.
bool is_jobmesh_error(const caf::error& e);
errc code_of(const caf::error& e);

/// The human message inside `e` (any category).
std::string message_of(const caf::error& e);

/// The offending field `e` names; empty when it names none.
std::string field_of(const caf::error& e);

/// A thrown exception as the error an actor ends with: its what() as errc::internal (a run
/// that throws crashes, and its supervisor's retry policy takes over).
caf::error error_of_exception(std::exception_ptr& eptr);

}  // namespace jobmesh::actors
