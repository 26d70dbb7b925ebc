#include "storage/skill_repository.hpp"

#include <soci/soci.h>

namespace jobmesh::storage {

namespace {

constexpr const char* k_delete_other_index = "DELETE FROM skill_index WHERE job_id <> :job";
constexpr const char* k_upsert_index =
    "INSERT INTO skill_index (skill, record_kind, record_id, job_id, computed_at) VALUES (:s, :k, :r, :job, :at) "
    "ON CONFLICT (skill, record_kind, record_id) DO UPDATE SET job_id = excluded.job_id, "
    "computed_at = excluded.computed_at";
constexpr const char* k_delete_other_pairs = "DELETE FROM skill_relationships WHERE job_id <> :job";
constexpr const char* k_upsert_pair =
    "INSERT INTO skill_relationships (skill, related, count, job_id, computed_at) VALUES (:s, :r, :n, :job, :at) "
    "ON CONFLICT (skill, related) DO UPDATE SET count = excluded.count, job_id = excluded.job_id, "
    "computed_at = excluded.computed_at";
constexpr const char* k_records_with_skill =
    "SELECT record_kind, record_id FROM skill_index WHERE skill = :s ORDER BY record_kind, record_id LIMIT :n";

}  // namespace

void write_skill_index(soci::session& db, const std::vector<skill_index_write>& writes) {
  for (const auto& w : writes) {
    db << k_delete_other_index, soci::use(w.job_id, "job");
    skill_entry e;
    std::string job = w.job_id;
    long long at = w.computed_at;
    soci::statement st = (db.prepare << k_upsert_index, soci::use(e.skill, "s"), soci::use(e.record_kind, "k"),
                          soci::use(e.record_id, "r"), soci::use(job, "job"), soci::use(at, "at"));
    for (const auto& entry : w.entries) {
      e = entry;
      st.execute(true);
    }
  }
}

void write_skill_relationships(soci::session& db, const std::vector<skill_relationships_write>& writes) {
  for (const auto& w : writes) {
    db << k_delete_other_pairs, soci::use(w.job_id, "job");
    skill_pair p;
    long long count = 0, at = w.computed_at;
    std::string job = w.job_id;
    soci::statement st = (db.prepare << k_upsert_pair, soci::use(p.skill, "s"), soci::use(p.related, "r"),
                          soci::use(count, "n"), soci::use(job, "job"), soci::use(at, "at"));
    for (const auto& pair : w.pairs) {
      p = pair;
      count = pair.count;
      st.execute(true);
    }
  }
}

std::vector<skill_entry> records_with_skill(soci::session& db, const std::string& skill, int limit) {
  std::vector<skill_entry> out;
  soci::rowset<soci::row> rows = (db.prepare << k_records_with_skill, soci::use(skill, "s"), soci::use(limit, "n"));
  for (const auto& row : rows)
    out.push_back({skill, row.get<std::string>(0), row.get<std::string>(1)});
  return out;
}

}  // namespace jobmesh::storage
