#pragma once
/// JSON text as the API writes it, and as the records this library writes (the generator's,
/// a record written from its fields) read.

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

namespace jobmesh::match {

/// `v` as JSON text with numbers as people write them: Boost.JSON writes doubles in
/// scientific notation (0.42 as "4.2E-1", 5 as "5E0"); here they are fmt's shortest decimal
/// that reads back the same ("0.42", "5"). Every HTTP reply and WebSocket frame is written
/// this way, and so is a record this library writes or the engine rewrites (an imported
/// page stored on a posting).
std::string json_text(const boost::json::value& v);

/// Appends json_text(v) to `out`.
void append_json(std::string& out, const boost::json::value& v);

/// Appends `s` as a JSON string, escaped as Boost.JSON's serializer escapes it (`"`, `\`, and
/// control characters; other bytes as they are).
void append_json_string(std::string& out, std::string_view s);

}  // namespace jobmesh::match
