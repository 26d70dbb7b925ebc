#pragma once
// Wall-clock time as stored: milliseconds since the Unix epoch.

#include <chrono>
#include <cstdint>

namespace jobmesh::storage {

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace jobmesh::storage
