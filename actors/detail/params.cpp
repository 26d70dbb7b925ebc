#include "actors/detail/params.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace jobmesh::actors::detail {

namespace {

const boost::json::value* find(const boost::json::object& params, std::string_view name) {
  auto it = params.find(name);
  return it == params.end() ? nullptr : &it->value();
}

}  // namespace

problem only_known(const boost::json::object& params, std::initializer_list<std::string_view> known) {
  for (const auto& kv : params)
    if (std::find(known.begin(), known.end(), std::string_view{kv.key()}) == known.end())
      return fmt::format("params.{} is not a parameter of this job type", std::string_view{kv.key()});
  return std::nullopt;
}

problem read_int(const boost::json::object& params, std::string_view name, std::int64_t lo, std::int64_t hi,
                 std::int64_t fallback, std::int64_t& out) {
  const auto* v = find(params, name);
  if (v == nullptr) {
    out = fallback;
    return std::nullopt;
  }
  if (!v->is_int64() && !v->is_uint64())
    return fmt::format("params.{} must be an integer in [{}, {}]", name, lo, hi);
  auto n = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), INT64_MAX));
  if (n < lo || n > hi)
    return fmt::format("params.{} must be an integer in [{}, {}], got {}", name, lo, hi, n);
  out = n;
  return std::nullopt;
}

problem read_number(const boost::json::object& params, std::string_view name, double lo, double hi, double fallback,
                    double& out) {
  const auto* v = find(params, name);
  if (v == nullptr) {
    out = fallback;
    return std::nullopt;
  }
  double x = v->is_double() ? v->as_double()
             : v->is_int64() ? static_cast<double>(v->as_int64())
             : v->is_uint64() ? static_cast<double>(v->as_uint64())
                              : lo - 1;
  if (!(x >= lo && x <= hi))
    return fmt::format("params.{} must be a number in [{}, {}]", name, lo, hi);
  out = x;
  return std::nullopt;
}

problem read_bool(const boost::json::object& params, std::string_view name, bool fallback, bool& out) {
  const auto* v = find(params, name);
  if (v == nullptr) {
    out = fallback;
    return std::nullopt;
  }
  if (!v->is_bool())
    return fmt::format("params.{} must be true or false", name);
  out = v->as_bool();
  return std::nullopt;
}

problem read_string(const boost::json::object& params, std::string_view name, std::size_t max_length,
                    std::string fallback, std::string& out) {
  const auto* v = find(params, name);
  if (v == nullptr) {
    out = std::move(fallback);
    return std::nullopt;
  }
  if (!v->is_string() || v->as_string().empty() || v->as_string().size() > max_length)
    return fmt::format("params.{} must be a string of 1 to {} characters", name, max_length);
  out = std::string{v->as_string()};
  return std::nullopt;
}

bool is_record_id(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == ':' || c == '-';
  });
}

problem read_id(const boost::json::object& params, std::string_view name, std::string& out) {
  const auto* v = find(params, name);
  if (v == nullptr || !v->is_string() || !is_record_id(v->as_string()))
    return fmt::format("params.{} must be a record id (1 to 64 characters of A-Z a-z 0-9 _ . : -)", name);
  out = std::string{v->as_string()};
  return std::nullopt;
}

problem read_ids(const boost::json::object& params, std::string_view name, std::int64_t max_count,
                 std::vector<std::string>& out) {
  out.clear();
  const auto* v = find(params, name);
  if (v == nullptr)
    return std::nullopt;
  if (!v->is_array() || v->as_array().empty() || static_cast<std::int64_t>(v->as_array().size()) > max_count)
    return fmt::format("params.{} must be an array of 1 to {} record ids", name, max_count);
  for (std::size_t i = 0; i < v->as_array().size(); ++i) {
    const auto& id = v->as_array()[i];
    if (!id.is_string() || !is_record_id(id.as_string()))
      return fmt::format("params.{}[{}] must be a record id (1 to 64 characters of A-Z a-z 0-9 _ . : -)", name, i);
    out.emplace_back(id.as_string());
  }
  return std::nullopt;
}

problem read_profile(const boost::json::object& params, const match::profile_set& profiles, std::string& out) {
  if (auto e = read_string(params, "profile", 64, "fit", out))
    return e;
  if (profiles.find(out) == nullptr)
    return fmt::format("params.profile: unknown profile '{}'; known: {}", out, fmt::join(profiles.names(), ", "));
  return std::nullopt;
}

boost::json::object ids_schema(std::int64_t max_count, std::string_view what) {
  return {{"type", "array"},
          {"items", {{"type", "string"}, {"pattern", "^[A-Za-z0-9_.:-]{1,64}$"}}},
          {"minItems", 1},
          {"maxItems", max_count},
          {"description", what}};
}

boost::json::object profile_schema() {
  return {{"type", "string"}, {"default", "fit"}, {"description", "a profile of SPEC-matching.md or of the config"}};
}

}  // namespace jobmesh::actors::detail
