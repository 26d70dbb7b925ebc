#include "storage/activity_repository.hpp"

#include "storage/detail/soci_values.hpp"

#include <soci/soci.h>

namespace jobmesh::storage {

void insert_activity(soci::session& db, const std::vector<activity_row>& rows) {
  if (rows.empty())
    return;
  activity_row r = rows.front();
  soci::statement st =
      (db.prepare << "INSERT INTO activity (candidate_id, kind, posting_id, at, value, received_at) "
                     "VALUES (:candidate_id, :kind, :posting_id, :at, :value, :received_at)",
       soci::use(r.candidate_id, "candidate_id"), soci::use(r.kind, "kind"), soci::use(r.posting_id, "posting_id"),
       soci::use(r.at, "at"), soci::use(r.value, "value"), soci::use(r.received_at, "received_at"));
  for (const auto& row : rows) {
    r = row;
    st.execute(true);
  }
}

namespace {

constexpr const char* k_activity_columns = "SELECT candidate_id, kind, posting_id, at, value, received_at, seq FROM activity ";

std::vector<activity_row> rows_of(soci::rowset<soci::row>& rows) {
  std::vector<activity_row> out;
  for (const auto& row : rows) {
    activity_row a;
    a.candidate_id = row.get<std::string>(0);
    a.kind = row.get<std::string>(1);
    a.posting_id = row.get<std::string>(2);
    a.at = row.get<long long>(3);
    a.value = row.get<double>(4);
    a.received_at = row.get<long long>(5);
    a.seq = detail::integer_at(row, 6);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

std::vector<activity_row> activity_after(soci::session& db, std::int64_t after_seq, int limit) {
  long long after = after_seq;
  soci::rowset<soci::row> rows = (db.prepare << std::string{k_activity_columns} + "WHERE seq > :s ORDER BY seq LIMIT :n",
                                  soci::use(after, "s"), soci::use(limit, "n"));
  return rows_of(rows);
}

std::vector<activity_row> activity_of(soci::session& db, const std::string& candidate_id, int limit) {
  soci::rowset<soci::row> rows =
      (db.prepare << std::string{k_activity_columns} + "WHERE candidate_id = :c ORDER BY at, seq LIMIT :n",
       soci::use(candidate_id, "c"), soci::use(limit, "n"));
  return rows_of(rows);
}

std::vector<activity_row> activity_of(soci::session& db, const std::vector<std::string>& candidate_ids) {
  std::vector<activity_row> out;
  for (const auto& id : candidate_ids) {
    soci::rowset<soci::row> rows =
        (db.prepare << std::string{k_activity_columns} + "WHERE candidate_id = :c ORDER BY seq", soci::use(id, "c"));
    auto part = rows_of(rows);
    out.insert(out.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return out;
}

std::vector<std::string> candidates_with_activity(soci::session& db) {
  soci::rowset<std::string> ids = db.prepare << "SELECT DISTINCT candidate_id FROM activity ORDER BY candidate_id";
  return {ids.begin(), ids.end()};
}

}  // namespace jobmesh::storage
