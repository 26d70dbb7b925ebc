#pragma once
/// Reading a job's params (a JSON object) with each rule checked: every reader returns an error
/// for people naming the param (`params.<name> ...`), or nothing and fills `out` (with
/// `fallback` when the param is absent).

#include "match/profile.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::actors::detail {

using problem = std::optional<std::string>;

/// A param the type does not know is an error, so a typo is not silently ignored.
problem only_known(const boost::json::object& params, std::initializer_list<std::string_view> known);

problem read_int(const boost::json::object& params, std::string_view name, std::int64_t lo, std::int64_t hi,
                 std::int64_t fallback, std::int64_t& out);

problem read_number(const boost::json::object& params, std::string_view name, double lo, double hi, double fallback,
                    double& out);

problem read_bool(const boost::json::object& params, std::string_view name, bool fallback, bool& out);

/// A non-empty string of at most `max_length` characters.
problem read_string(const boost::json::object& params, std::string_view name, std::size_t max_length,
                    std::string fallback, std::string& out);

/// A record id as SPEC-matching.md allows: 1..64 characters of [A-Za-z0-9_.:-].
problem read_id(const boost::json::object& params, std::string_view name, std::string& out);

/// A non-empty array of at most `max_count` ids; absent leaves `out` empty.
problem read_ids(const boost::json::object& params, std::string_view name, std::int64_t max_count,
                 std::vector<std::string>& out);

/// A profile name (default `fit`) that `profiles` knows.
problem read_profile(const boost::json::object& params, const match::profile_set& profiles, std::string& out);

/// Whether `id` is a record id as SPEC-matching.md allows.
bool is_record_id(std::string_view id);

/// JSON Schemas of the params `read_ids` and a profile name read, for `GET /api/v1/job-types`.
boost::json::object ids_schema(std::int64_t max_count, std::string_view what);
boost::json::object profile_schema();

}  // namespace jobmesh::actors::detail
