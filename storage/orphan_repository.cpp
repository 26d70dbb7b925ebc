#include "storage/orphan_repository.hpp"

#include "storage/detail/soci_values.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

namespace jobmesh::storage {

namespace {

// "<condition> AND " or "": the rows of `t` that can belong to its owner kind.
std::string rows_of(const orphan_table& t) {
  return t.condition.empty() ? std::string{} : fmt::format("{} AND ", t.condition);
}

std::string orphaned(const orphan_table& t) {
  return fmt::format("{}{} NOT IN (SELECT id FROM {})", rows_of(t), t.owner_column, table_of(t.owner));
}

}  // namespace

const std::vector<orphan_table>& orphan_tables() {
  static const std::vector<orphan_table> tables{
      {"activity", "activity", "candidate_id", record_kind::candidate, ""},
      {"match_results", "match_results", "candidate_id", record_kind::candidate, ""},
      {"candidate_affinity", "candidate_affinity", "candidate_id", record_kind::candidate, ""},
      {"candidate_feeds", "candidate_feeds", "candidate_id", record_kind::candidate, ""},
      {"trending_postings", "trending_postings", "posting_id", record_kind::posting, ""},
      {"skill_index (postings)", "skill_index", "record_id", record_kind::posting, "record_kind = 'posting'"},
      {"skill_index (candidates)", "skill_index", "record_id", record_kind::candidate, "record_kind = 'candidate'"},
  };
  return tables;
}

const orphan_table* find_orphan_table(std::string_view name) {
  for (const auto& t : orphan_tables())
    if (t.name == name)
      return &t;
  return nullptr;
}

orphan_count count_orphans(soci::session& db, const orphan_table& t) {
  soci::row row;
  db << fmt::format("SELECT COUNT(*), COUNT(DISTINCT {}) FROM {} WHERE {}", t.owner_column, t.table, orphaned(t)),
      soci::into(row);
  return {detail::integer_at(row, 0), detail::integer_at(row, 1)};
}

orphan_deletion delete_orphans(soci::session& db, const orphan_table& t, std::int64_t owner_limit) {
  orphan_deletion out;
  long long limit = owner_limit;
  soci::transaction tx{db};
  soci::rowset<std::string> owners =
      (db.prepare << fmt::format("SELECT DISTINCT {0} FROM {1} WHERE {2} ORDER BY {0} LIMIT :n", t.owner_column,
                                 t.table, orphaned(t)),
       soci::use(limit, "n"));
  for (const auto& id : owners)
    out.owners.push_back(id);
  std::string owner;
  soci::statement del =
      (db.prepare << fmt::format("DELETE FROM {} WHERE {} = :id AND {}", t.table, t.owner_column, orphaned(t)),
       soci::use(owner, "id"));
  for (const auto& id : out.owners) {
    owner = id;
    del.execute(true);
    out.rows += del.get_affected_rows();
  }
  tx.commit();
  return out;
}

}  // namespace jobmesh::storage
