#pragma once
// The checkout the tests were built from, as ctest passes it to each test's environment
// (JOBMESH_SOURCE_DIR, tests/CMakeLists.txt). Not a compile definition: a path compiled into
// every test file made each of them miss ccache in any other clone of the repository.

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace jobmesh::testing {

inline std::string source_dir() {
  const char* dir = std::getenv("JOBMESH_SOURCE_DIR");
  if (dir == nullptr || *dir == '\0')
    throw std::runtime_error("JOBMESH_SOURCE_DIR is not set: run the tests through ctest");
  return dir;
}

}  // namespace jobmesh::testing
