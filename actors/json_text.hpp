#pragma once
/// JSON text as the API writes it.

#include <boost/json/fwd.hpp>

#include <string>

namespace jobmesh::actors {

/// `v` as JSON text with numbers as people write them: Boost.JSON writes doubles in
/// scientific notation (0.42 as "4.2E-1", 5 as "5E0"); here they are fmt's shortest decimal
/// that reads back the same ("0.42", "5"). Every HTTP reply is written this way.
std::string json_text(const boost::json::value& v);

}  // namespace jobmesh::actors
