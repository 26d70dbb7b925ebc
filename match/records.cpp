#include "match/records.hpp"

#include <array>

namespace jobmesh::match {

namespace {

constexpr std::array<std::string_view, 5> k_levels{"entry", "junior", "mid", "senior", "lead"};
constexpr std::array<std::string_view, 3> k_work_modes{"onsite", "hybrid", "remote"};
constexpr std::array<std::string_view, 4> k_employment{"full_time", "part_time", "contract", "internship"};
constexpr std::array<std::string_view, 5> k_education{"none", "high_school", "bachelor", "master", "phd"};

template <std::size_t N>
std::optional<std::size_t> index_of(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == text)
      return i;
  return std::nullopt;
}

template <class E, std::size_t N>
std::optional<E> parse_enum(const std::array<std::string_view, N>& names, std::string_view text) {
  auto i = index_of(names, text);
  return i ? std::optional<E>{static_cast<E>(*i)} : std::nullopt;
}

}  // namespace

std::optional<int> parse_experience_level(std::string_view text) {
  auto i = index_of(k_levels, text);
  return i ? std::optional<int>{static_cast<int>(*i)} : std::nullopt;
}

std::string_view experience_level_name(int level) {
  return k_levels.at(static_cast<std::size_t>(level));
}

std::optional<work_mode> parse_work_mode(std::string_view text) {
  return parse_enum<work_mode>(k_work_modes, text);
}

std::string_view to_string(work_mode m) {
  return k_work_modes[static_cast<std::size_t>(m)];
}

std::optional<employment_type> parse_employment_type(std::string_view text) {
  return parse_enum<employment_type>(k_employment, text);
}

std::string_view to_string(employment_type e) {
  return k_employment[static_cast<std::size_t>(e)];
}

std::optional<education_level> parse_education_level(std::string_view text) {
  return parse_enum<education_level>(k_education, text);
}

std::string_view to_string(education_level e) {
  return k_education[static_cast<std::size_t>(e)];
}

}  // namespace jobmesh::match
