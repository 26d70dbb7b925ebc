#pragma once
/// Rows that belong to a posting or a candidate and outlive it: a record's delete removes the
/// record only, so its activity, match results, affinity, feed, trending row and skill index
/// entries stay until the `orphan-cleanup` job type removes them (DESIGN.md "Job types shipped",
/// maintenance group).

#include "storage/record_repository.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace soci {
class session;
}

namespace jobmesh::storage {

/// A table whose rows name their owner (a posting or a candidate) in one column.
struct orphan_table {
  std::string_view name;          ///< how the job names it: the table, or table (kind)
  std::string_view table;
  std::string_view owner_column;
  record_kind owner = record_kind::candidate;
  std::string_view condition;     ///< "" or an SQL condition that picks the rows of this owner kind
};

/// Every table orphan-cleanup looks at, in the order it looks.
const std::vector<orphan_table>& orphan_tables();

/// The table of that name, or nullptr.
const orphan_table* find_orphan_table(std::string_view name);

struct orphan_count {
  std::int64_t rows = 0;
  std::int64_t owners = 0;  ///< distinct deleted records the rows name
};

/// How many rows of `t` name a record its owners' table no longer holds.
orphan_count count_orphans(soci::session& db, const orphan_table& t);

struct orphan_deletion {
  std::int64_t rows = 0;
  std::vector<std::string> owners;  ///< the deleted records whose rows went, sorted
};

/// Deletes the rows of at most `owner_limit` deleted records (the first by id), in one
/// transaction; a record stored again meanwhile keeps its rows.
orphan_deletion delete_orphans(soci::session& db, const orphan_table& t, std::int64_t owner_limit);

}  // namespace jobmesh::storage
