// libFuzzer target: job submission bodies (one JSON object, and NDJSON of many) on any bytes.
// Never a crash; a refusal always names what was wrong, and a taken submission has a type.
#include "net/job_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  auto one = jobmesh::net::parse_job_spec(body);
  if (const auto* e = std::get_if<jobmesh::net::field_error>(&one)) {
    if (e->message.empty())
      std::abort();
  } else if (std::get<jobmesh::actors::job_spec>(one).type.empty()) {
    std::abort();
  }
  auto many = jobmesh::net::parse_job_specs(body);
  if (const auto* lines = std::get_if<jobmesh::net::spec_lines>(&many)) {
    if (lines->specs.size() != lines->lines.size())
      std::abort();
    for (const auto& r : lines->rejected)
      if (r.line <= 0 || r.message.empty())
        std::abort();
  }
  return 0;
}
