#pragma once
/// Which malloc this process runs on. Release builds link jemalloc with its arenas on
/// transparent huge pages (app/main.cpp says why); sanitizer builds keep their own allocator.

#include <string>

namespace jobmesh::app {

/// "jemalloc 5.3.0 (thp always, background purge)", or "system malloc" when jemalloc is not
/// linked in.
std::string allocator_description();

}  // namespace jobmesh::app
