#include "storage/record_repository.hpp"

#include "match/ndjson.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <soci/soci.h>

namespace jobmesh::storage::detail {

/// What one upsert binds: the record and its time stamp. SOCI converts it at each execute.
template <class Record>
struct record_row {
  const Record* record = nullptr;
  std::int64_t now = 0;
};

void to_values(const match::posting& p, std::int64_t now, soci::values& v);
void to_values(const match::candidate& c, std::int64_t now, soci::values& v);

}  // namespace jobmesh::storage::detail

namespace soci {

template <class Record>
struct type_conversion<jobmesh::storage::detail::record_row<Record>> {
  using base_type = values;
  static void to_base(const jobmesh::storage::detail::record_row<Record>& in, values& v, indicator& ind) {
    jobmesh::storage::detail::to_values(*in.record, in.now, v);
    ind = i_ok;
  }
  // Only written, never read: SOCI asks for the other half all the same.
  static void from_base(const values&, indicator, jobmesh::storage::detail::record_row<Record>&) {}
};

}  // namespace soci

namespace jobmesh::storage {

using detail::record_row;

namespace {

// The columns each table's upsert writes, in the names `to_values` sets; `record` and
// `updated_at` included. The migration (0002_marketplace.sql) defines the same columns.
constexpr std::string_view k_posting_columns[] = {
    "id", "company", "title", "category", "industry", "subcategory", "country", "city", "lat", "lon",
    "work_mode", "employment_type", "required_skills", "certifications", "salary_min", "salary_max",
    "experience_level", "min_years", "posted_date", "deadline_date", "record", "updated_at"};

constexpr std::string_view k_candidate_columns[] = {
    "id", "full_name", "country", "city", "lat", "lon", "max_distance_km", "industry", "subcategory",
    "preferred_categories", "skills", "certifications", "years_experience", "experience_level",
    "education_level", "expected_salary", "current_salary", "rating", "review_count", "completed_jobs",
    "engagement", "record", "updated_at"};

// INSERT ... ON CONFLICT (id) DO UPDATE: one statement that SQLite (3.24+) and PostgreSQL share.
template <std::size_t N>
std::string upsert_sql(std::string_view table, const std::string_view (&columns)[N]) {
  std::string names, params, updates;
  for (auto c : columns) {
    names += fmt::format("{}{}", names.empty() ? "" : ", ", c);
    params += fmt::format("{}:{}", params.empty() ? "" : ", ", c);
    if (c != "id")
      updates += fmt::format("{}{} = excluded.{}", updates.empty() ? "" : ", ", c, c);
  }
  return fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}", table, names, params, updates);
}

std::string json_list(const std::vector<std::string>& words) {
  boost::json::array a;
  for (const auto& w : words)
    a.emplace_back(w);
  return boost::json::serialize(a);
}

void set_coordinates(soci::values& v, const std::optional<match::geo_point>& g) {
  v.set("lat", g ? g->lat : 0.0, g ? soci::i_ok : soci::i_null);
  v.set("lon", g ? g->lon : 0.0, g ? soci::i_ok : soci::i_null);
}

}  // namespace

namespace detail {

void to_values(const match::posting& p, std::int64_t now, soci::values& v) {
  v.set("id", p.id);
  v.set("company", p.company);
  v.set("title", p.title);
  for (auto [name, field] : {std::pair{"category", &p.category}, {"industry", &p.industry},
                             {"subcategory", &p.subcategory}, {"country", &p.country}, {"city", &p.city}})
    v.set(name, *field);
  set_coordinates(v, p.coordinates);
  v.set("work_mode", std::string{match::to_string(p.mode)});
  v.set("employment_type", std::string{match::to_string(p.employment)});
  v.set("required_skills", json_list(p.required_skills));
  v.set("certifications", json_list(p.certifications));
  v.set("salary_min", p.salary_min);
  v.set("salary_max", p.salary_max);
  v.set("experience_level", std::string{match::experience_level_name(p.experience_level)});
  v.set("min_years", p.min_years);
  v.set("posted_date", p.posted_date);
  v.set("deadline_date", p.deadline_date);
  v.set("record", match::to_json(p));
  v.set("updated_at", static_cast<long long>(now));
}

void to_values(const match::candidate& c, std::int64_t now, soci::values& v) {
  v.set("id", c.id);
  v.set("full_name", c.full_name);
  for (auto [name, field] : {std::pair{"country", &c.country}, {"city", &c.city}, {"industry", &c.industry},
                             {"subcategory", &c.subcategory}})
    v.set(name, *field);
  set_coordinates(v, c.coordinates);
  v.set("max_distance_km", c.max_distance_km);
  v.set("preferred_categories", json_list(c.preferred_categories));
  v.set("skills", json_list(c.skills));
  v.set("certifications", json_list(c.certifications));
  v.set("years_experience", c.years_experience);
  v.set("experience_level", std::string{match::experience_level_name(c.experience_level)});
  v.set("education_level", c.education ? std::string{match::to_string(*c.education)} : std::string{});
  v.set("expected_salary", c.expected_salary);
  v.set("current_salary", c.current_salary);
  v.set("rating", c.rating);
  v.set("review_count", static_cast<long long>(c.review_count));
  v.set("completed_jobs", static_cast<long long>(c.completed_jobs));
  v.set("engagement", c.engagement);
  v.set("record", match::to_json(c));
  v.set("updated_at", static_cast<long long>(now));
}

}  // namespace detail

namespace {

// The statements of one batch, prepared on first use and bound to `row`.
class record_statements {
public:
  record_statements(soci::session& db, std::int64_t now) : db_(db), now_(now) {}

  void operator()(const match::posting& p) { upsert(posting_, posting_row_, record_kind::posting, k_posting_columns, p); }
  void operator()(const match::candidate& c) {
    upsert(candidate_, candidate_row_, record_kind::candidate, k_candidate_columns, c);
  }
  void operator()(const record_delete& d) {
    auto& st = d.kind == record_kind::posting ? delete_posting_ : delete_candidate_;
    id_ = d.id;
    if (!st)
      st.emplace((db_.prepare << fmt::format("DELETE FROM {} WHERE id = :id", table_of(d.kind)), soci::use(id_, "id")));
    st->execute(true);
  }

private:
  template <class Record, std::size_t N>
  void upsert(std::optional<soci::statement>& st, record_row<Record>& row, record_kind kind,
              const std::string_view (&columns)[N], const Record& r) {
    row = {&r, now_};
    if (!st)
      st.emplace((db_.prepare << upsert_sql(table_of(kind), columns), soci::use(row)));
    st->execute(true);
  }

  soci::session& db_;
  std::int64_t now_;
  record_row<match::posting> posting_row_;
  record_row<match::candidate> candidate_row_;
  std::string id_;
  std::optional<soci::statement> posting_, candidate_, delete_posting_, delete_candidate_;
};

}  // namespace

std::string_view table_of(record_kind kind) {
  return kind == record_kind::posting ? "postings" : "candidates";
}

std::string_view noun_of(record_kind kind) {
  return kind == record_kind::posting ? "posting" : "candidate";
}

void apply_record_writes(soci::session& db, const std::vector<record_write>& writes, std::int64_t now_ms) {
  record_statements apply{db, now_ms};
  for (const auto& w : writes)
    std::visit(apply, w);
}

std::optional<std::string> find_record(soci::session& db, record_kind kind, const std::string& id) {
  std::string record;
  db << fmt::format("SELECT record FROM {} WHERE id = :id", table_of(kind)), soci::use(id, "id"), soci::into(record);
  if (!db.got_data())
    return std::nullopt;
  return record;
}

std::vector<std::string> list_records(soci::session& db, record_kind kind, const std::string& after, int limit) {
  std::vector<std::string> out;
  std::string record;
  soci::statement st = (db.prepare << fmt::format("SELECT record FROM {} WHERE id > :after ORDER BY id LIMIT :limit",
                                                  table_of(kind)),
                        soci::use(after, "after"), soci::use(limit, "limit"), soci::into(record));
  st.execute();
  while (st.fetch())
    out.push_back(record);
  return out;
}

std::pair<std::vector<std::string>, std::string> records_after(
    soci::session& db, record_kind kind, const std::string& after, int limit, std::size_t parts,
    const std::function<std::size_t(std::string_view id)>& part_of) {
  std::vector<std::string> out(parts);
  std::string id, record, last;
  soci::statement st =
      (db.prepare << fmt::format("SELECT id, record FROM {} WHERE id > :after ORDER BY id LIMIT :limit", table_of(kind)),
       soci::use(after, "after"), soci::use(limit, "limit"), soci::into(id), soci::into(record));
  st.execute();
  while (st.fetch()) {
    auto& text = out.at(part_of(id));
    text += record;
    text.push_back('\n');
    last = id;
  }
  return {std::move(out), std::move(last)};
}

std::int64_t count_records(soci::session& db, record_kind kind) {
  long long n = 0;
  db << fmt::format("SELECT COUNT(*) FROM {}", table_of(kind)), soci::into(n);
  return n;
}

void upsert_stored_matches(soci::session& db, const std::vector<stored_matches>& rows) {
  if (rows.empty())
    return;
  stored_matches row;
  long long at = 0;
  soci::statement st =
      (db.prepare << "INSERT INTO match_results (candidate_id, profile, job_id, results, computed_at) "
                     "VALUES (:candidate_id, :profile, :job_id, :results, :computed_at) "
                     "ON CONFLICT (candidate_id, profile) DO UPDATE SET job_id = excluded.job_id, "
                     "results = excluded.results, computed_at = excluded.computed_at",
       soci::use(row.candidate_id, "candidate_id"), soci::use(row.profile, "profile"), soci::use(row.job_id, "job_id"),
       soci::use(row.results, "results"), soci::use(at, "computed_at"));
  for (const auto& r : rows) {
    row = r;
    at = r.computed_at;
    st.execute(true);
  }
}

std::optional<stored_matches> find_stored_matches(soci::session& db, const std::string& candidate_id,
                                                  const std::string& profile) {
  stored_matches row{candidate_id, profile};
  long long at = 0;
  db << "SELECT job_id, results, computed_at FROM match_results WHERE candidate_id = :c AND profile = :p",
      soci::use(candidate_id, "c"), soci::use(profile, "p"), soci::into(row.job_id), soci::into(row.results),
      soci::into(at);
  if (!db.got_data())
    return std::nullopt;
  row.computed_at = at;
  return row;
}

}  // namespace jobmesh::storage
