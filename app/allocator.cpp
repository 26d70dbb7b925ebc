#include "app/allocator.hpp"

#include <cstddef>
#include <fmt/format.h>
#include <string_view>

// jemalloc's control interface, declared weak: null when the binary does not link jemalloc
// (the tests, the sanitizer builds), so this file needs neither its header nor its library.
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen)
    __attribute__((weak));

namespace jobmesh::app {

namespace {

const char* read_text(const char* name) {
  const char* value = nullptr;
  std::size_t size = sizeof value;
  return mallctl(name, &value, &size, nullptr, 0) == 0 ? value : nullptr;
}

}  // namespace

std::string allocator_description() {
  if (mallctl == nullptr)
    return "system malloc";
  // "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c": the release is the part before the dash.
  const char* full = read_text("version");
  std::string_view version = full != nullptr ? full : "";
  auto out = fmt::format("jemalloc {}", version.substr(0, version.find('-')));
  std::string options;
  if (const char* thp = read_text("opt.thp"))
    options = fmt::format("thp {}", thp);
  bool background = false;
  std::size_t size = sizeof background;
  if (mallctl("opt.background_thread", &background, &size, nullptr, 0) == 0 && background)
    options += options.empty() ? "background purge" : ", background purge";
  if (!options.empty())
    out += fmt::format(" ({})", options);
  return out;
}

}  // namespace jobmesh::app
