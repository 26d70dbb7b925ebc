#include "storage/job_record.hpp"

#include <array>

namespace jobmesh::storage {

namespace {

constexpr std::array<std::string_view, 5> k_job_status_names{"queued", "running", "completed", "failed",
                                                             "cancelled"};
constexpr std::array<std::string_view, 3> k_item_status_names{"pending", "done", "failed"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == text)
      return static_cast<Enum>(i);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(job_status s) {
  return k_job_status_names[static_cast<std::size_t>(s)];
}

std::optional<job_status> parse_job_status(std::string_view text) {
  return parse_name<job_status>(k_job_status_names, text);
}

bool is_terminal(job_status s) {
  return s == job_status::completed || s == job_status::failed || s == job_status::cancelled;
}

std::string_view to_string(item_status s) {
  return k_item_status_names[static_cast<std::size_t>(s)];
}

std::optional<item_status> parse_item_status(std::string_view text) {
  return parse_name<item_status>(k_item_status_names, text);
}

double job_record::progress_percentage() const {
  if (total_items <= 0)
    return status == job_status::completed ? 100.0 : 0.0;
  return 100.0 * static_cast<double>(processed_items + failed_items) / static_cast<double>(total_items);
}

}  // namespace jobmesh::storage
