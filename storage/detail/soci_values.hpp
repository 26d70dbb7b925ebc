#pragma once
// Reading integers from a SOCI row whatever type the backend gave the column: SQLite's types
// a column by its declaration (`INTEGER PRIMARY KEY` reads as int, BIGINT as long long) and an
// expression such as SUM() (no declared type) as text.

#include <soci/soci.h>

#include <string>

namespace jobmesh::storage::detail {

inline long long integer_at(const soci::row& row, std::size_t i) {
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer: return row.get<int>(i);
    case soci::dt_double: return static_cast<long long>(row.get<double>(i));
    case soci::dt_string: return std::stoll(row.get<std::string>(i));  // an expression: no declared type
    default: return row.get<long long>(i);
  }
}

}  // namespace jobmesh::storage::detail
