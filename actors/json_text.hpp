#pragma once
/// JSON text as the API writes it: match/json_text.hpp, named here for the engine's code.

#include "match/json_text.hpp"

namespace jobmesh::actors {

using match::append_json;
using match::append_json_string;
using match::json_text;

}  // namespace jobmesh::actors
