#pragma once
// Storage actors run blocking reads that throw on failure; between actors a failure must be a
// value (STYLE.md): this turns one read's exception into an `errc::storage_failure` error.

#include "actors/errors.hpp"

#include <caf/result.hpp>

#include <exception>

namespace jobmesh::actors::detail {

/// `read()`'s value, or a storage_failure error carrying the exception's message.
template <class F>
auto guarded(F&& read) -> caf::result<decltype(read())> {
  try {
    return read();
  } catch (const std::exception& e) {
    return make_error(errc::storage_failure, e.what());
  }
}

}  // namespace jobmesh::actors::detail
