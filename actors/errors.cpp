#include "actors/errors.hpp"

#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace jobmesh::actors {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::overloaded: return "overloaded";
    case errc::storage_failure: return "storage_failure";
    case errc::unknown_job_type: return "unknown_job_type";
    case errc::internal: return "internal";
    case errc::stale_attempt: return "stale_attempt";
  }
  return "internal";
}

caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<std::uint8_t>(code), k_error_category, caf::make_message(std::move(message))};
}

caf::error make_error(errc code, std::string message, std::string field) {
  return caf::error{static_cast<std::uint8_t>(code), k_error_category,
                    caf::make_message(std::move(message), std::move(field))};
}

bool is_jobmesh_error(const caf::error& e) {
  return e && e.category() == k_error_category;
}

errc code_of(const caf::error& e) {
  return is_jobmesh_error(e) ? static_cast<errc>(e.code()) : errc::internal;
}

std::string message_of(const caf::error& e) {
  const auto& ctx = e.context();
  if (ctx.match_elements<std::string>() || ctx.match_elements<std::string, std::string>())
    return ctx.get_as<std::string>(0);
  return to_string(e);
}

std::string field_of(const caf::error& e) {
  const auto& ctx = e.context();
  return ctx.match_elements<std::string, std::string>() ? ctx.get_as<std::string>(1) : std::string{};
}

caf::error error_of_exception(std::exception_ptr& eptr) {
  try {
    std::rethrow_exception(eptr);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  } catch (...) {
  }
  return make_error(errc::internal, "unknown exception");
}

}  // namespace jobmesh::actors
