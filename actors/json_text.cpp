#include "actors/json_text.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace jobmesh::actors {

namespace {

void append_json(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      if (std::isfinite(v.get_double()))
        fmt::format_to(std::back_inserter(out), "{}", v.get_double());
      else
        out += "null";
      return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!std::exchange(first, false))
          out += ',';
        append_json(out, x);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, x] : v.get_object()) {
        if (!std::exchange(first, false))
          out += ',';
        out += boost::json::serialize(boost::json::string_view{key});
        out += ':';
        append_json(out, x);
      }
      out += '}';
      return;
    }
    default: out += boost::json::serialize(v);
  }
}

}  // namespace

std::string json_text(const boost::json::value& v) {
  std::string out;
  append_json(out, v);
  return out;
}

}  // namespace jobmesh::actors
