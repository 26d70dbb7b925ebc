#include "storage/record_repository.hpp"

#include "match/ndjson.hpp"
#include "match/stored_form.hpp"
#include "storage/database.hpp"
#include "storage/detail/row_binding.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <unordered_set>

namespace jobmesh::storage {

namespace {

using detail::nullable_double;

// One row of each table as written: members named after its columns (0002_marketplace.sql), in
// its order; `record` is the record's JSON, unknown fields included.
struct posting_row {
  std::string id, company, title, category, industry, subcategory, country, city;
  nullable_double lat, lon;
  std::string work_mode, employment_type, required_skills, certifications;
  double salary_min = 0, salary_max = 0;
  std::string experience_level;
  double min_years = 0;
  std::string posted_date, deadline_date, record;
  long long updated_at = 0;
};
BOOST_DESCRIBE_STRUCT(posting_row, (), (id, company, title, category, industry, subcategory, country, city, lat, lon,
                                        work_mode, employment_type, required_skills, certifications, salary_min,
                                        salary_max, experience_level, min_years, posted_date, deadline_date, record,
                                        updated_at))

struct candidate_row {
  std::string id, full_name, country, city;
  nullable_double lat, lon;
  double max_distance_km = 0;
  std::string industry, subcategory, preferred_categories, skills, certifications;
  double years_experience = 0;
  std::string experience_level, education_level;
  double expected_salary = 0, current_salary = 0, rating = 0;
  long long review_count = 0, completed_jobs = 0;
  double engagement = 0;
  std::string record;
  long long updated_at = 0;
};
BOOST_DESCRIBE_STRUCT(candidate_row, (), (id, full_name, country, city, lat, lon, max_distance_km, industry,
                                          subcategory, preferred_categories, skills, certifications, years_experience,
                                          experience_level, education_level, expected_salary, current_salary, rating,
                                          review_count, completed_jobs, engagement, record, updated_at))

// A record's prepared form (0010_record_forms.sql): stored as given, never read here.
struct form_row {
  std::string id, form;
};
BOOST_DESCRIBE_STRUCT(form_row, (), (id, form))

std::string_view forms_table_of(record_kind kind) {
  return kind == record_kind::posting ? "posting_forms" : "candidate_forms";
}

// INSERT ... ON CONFLICT (id) DO UPDATE of `rows` rows: one statement that SQLite (3.24+) and
// PostgreSQL share. PostgreSQL refuses one that meets the same id twice: record_statements
// never gives it one.
template <class Row>
std::string upsert_sql(std::string_view table, std::size_t rows) {
  std::string updates;
  boost::mp11::mp_for_each<boost::describe::describe_members<Row, boost::describe::mod_public>>([&](auto member) {
    if (std::string_view{member.name} != "id")
      updates += fmt::format("{}{} = excluded.{}", updates.empty() ? "" : ", ", member.name, member.name);
  });
  return fmt::format("{} ON CONFLICT (id) DO UPDATE SET {}", detail::insert_rows_sql<Row>(table, rows), updates);
}

// A JSON array of strings, written into `out` (reusing its storage).
void set_json_list(std::string& out, const std::vector<std::string>& words) {
  boost::json::array a;
  for (const auto& w : words)
    a.emplace_back(w);
  out = boost::json::serialize(a);
}

template <class Row>
void set_coordinates(Row& row, const std::optional<match::geo_point>& g) {
  row.lat = {g ? g->lat : 0.0, g ? soci::i_ok : soci::i_null};
  row.lon = {g ? g->lon : 0.0, g ? soci::i_ok : soci::i_null};
}

// The record's stored JSON: as given when the upsert has its text, else written from it.
template <class Record>
void set_record(std::string& out, const Record& r, const std::string& json) {
  if (json.empty())
    out = match::to_json(r);
  else
    out = json;
}

void set_row(posting_row& row, const match::posting& p, const std::string& json, std::int64_t now) {
  row.id = p.id;
  row.company = p.company;
  row.title = p.title;
  row.category = p.category;
  row.industry = p.industry;
  row.subcategory = p.subcategory;
  row.country = p.country;
  row.city = p.city;
  set_coordinates(row, p.coordinates);
  row.work_mode = match::to_string(p.mode);
  row.employment_type = match::to_string(p.employment);
  set_json_list(row.required_skills, p.required_skills);
  set_json_list(row.certifications, p.certifications);
  row.salary_min = p.salary_min;
  row.salary_max = p.salary_max;
  row.experience_level = match::experience_level_name(p.experience_level);
  row.min_years = p.min_years;
  row.posted_date = p.posted_date;
  row.deadline_date = p.deadline_date;
  set_record(row.record, p, json);
  row.updated_at = now;
}

void set_row(candidate_row& row, const match::candidate& c, const std::string& json, std::int64_t now) {
  row.id = c.id;
  row.full_name = c.full_name;
  row.country = c.country;
  row.city = c.city;
  set_coordinates(row, c.coordinates);
  row.max_distance_km = c.max_distance_km;
  row.industry = c.industry;
  row.subcategory = c.subcategory;
  set_json_list(row.preferred_categories, c.preferred_categories);
  set_json_list(row.skills, c.skills);
  set_json_list(row.certifications, c.certifications);
  row.years_experience = c.years_experience;
  row.experience_level = match::experience_level_name(c.experience_level);
  row.education_level = c.education ? std::string{match::to_string(*c.education)} : std::string{};
  row.expected_salary = c.expected_salary;
  row.current_salary = c.current_salary;
  row.rating = c.rating;
  row.review_count = c.review_count;
  row.completed_jobs = c.completed_jobs;
  row.engagement = c.engagement;
  set_record(row.record, c, json);
  row.updated_at = now;
}

// The statements of one batch, prepared on first use. Upserts of one kind in a row go several
// to a statement (detail::row_writer), which is written before a write of the other kind or a
// delete, and before a record whose id it already holds, so writes land in their order.
class record_statements {
public:
  record_statements(soci::session& db, std::int64_t now) : db_(db), now_(now) {}

  void operator()(const record_upsert<match::posting>& p) {
    upsert(postings_, posting_forms_, posting_ids_, p.record, p.json, p.form);
  }
  void operator()(const record_upsert<match::candidate>& c) {
    upsert(candidates_, candidate_forms_, candidate_ids_, c.record, c.json, c.form);
  }
  void operator()(const record_delete& d) {
    flush();
    auto& st = d.kind == record_kind::posting ? delete_posting_ : delete_candidate_;
    id_ = d.id;
    if (!st)
      st.emplace((db_.prepare << fmt::format("DELETE FROM {} WHERE id = :id", table_of(d.kind)), soci::use(id_, "id")));
    st->execute(true);
  }

  /// Writes the upserts still waiting; the batch ends with it.
  void flush() {
    write(postings_, posting_forms_, posting_ids_);
    write(candidates_, candidate_forms_, candidate_ids_);
  }

private:
  using ids = std::unordered_set<std::string_view>;  // views of the records' own ids

  // The records waiting are written before their forms: a record's update drops its old form
  // (the table's trigger), and the new one must come after that.
  template <class Row, class Record>
  void upsert(detail::row_writer<Row>& writer, detail::row_writer<form_row>& forms, ids& waiting, const Record& r,
              const std::string& json, const std::string& form) {
    if (&waiting != last_ || waiting.contains(r.id))
      flush();
    else if (waiting.size() == writer.capacity())
      write(writer, forms, waiting);  // a full statement's worth
    last_ = &waiting;
    waiting.insert(r.id);
    set_row(writer.next(db_), r, json, now_);
    if (!form.empty()) {
      auto& row = forms.next(db_);  // never full here: it holds at most the records waiting
      row.id = r.id;
      row.form = form;
    }
  }

  template <class Row>
  void write(detail::row_writer<Row>& writer, detail::row_writer<form_row>& forms, ids& waiting) {
    writer.flush(db_);
    forms.flush(db_);
    waiting.clear();
  }

  soci::session& db_;
  std::int64_t now_;
  detail::row_writer<posting_row> postings_{[](std::size_t n) { return upsert_sql<posting_row>("postings", n); }};
  detail::row_writer<candidate_row> candidates_{
      [](std::size_t n) { return upsert_sql<candidate_row>("candidates", n); }};
  detail::row_writer<form_row> posting_forms_{[](std::size_t n) { return upsert_sql<form_row>("posting_forms", n); }};
  detail::row_writer<form_row> candidate_forms_{
      [](std::size_t n) { return upsert_sql<form_row>("candidate_forms", n); }};
  ids posting_ids_, candidate_ids_;
  const ids* last_ = nullptr;  ///< the kind of the upserts waiting
  std::string id_;
  std::optional<soci::statement> delete_posting_, delete_candidate_;
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
  apply.flush();
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

namespace {

// The chunks of one read, each with room for its share at its first form (growing by doubling
// would copy); the shares are estimated from the first form's size.
class chunk_writer {
public:
  chunk_writer(std::size_t parts, int limit) : chunks_(parts), limit_(static_cast<std::size_t>(limit)) {}

  void add(std::size_t part, std::string_view form) {
    auto& chunk = chunks_.at(part);
    if (chunk.empty()) {
      // At most 64 MiB reserved on an estimate: one unusually long first form must not make it
      // gigabytes.
      constexpr std::size_t k_most_reserved = std::size_t{64} << 20;
      chunk.reserve(std::min(k_most_reserved, limit_ / chunks_.size() * (form.size() + 2) * 5 / 4));
    }
    match::append_to_chunk(chunk, form);
  }

  std::vector<std::string> take() { return std::move(chunks_); }

private:
  std::vector<std::string> chunks_;
  std::size_t limit_;
};

std::string forms_after_sql(record_kind kind) {
  return fmt::format("SELECT id, form FROM {} WHERE id > ?1 ORDER BY id LIMIT ?2", forms_table_of(kind));
}

// The same read on SQLite's own interface: each form goes from SQLite's page straight into its
// chunk (through SOCI it was copied into SOCI's row cache, then into a string).
std::pair<std::vector<std::string>, std::string> sqlite_forms_after(
    sqlite_api::sqlite3* conn, record_kind kind, const std::string& after, int limit, std::size_t parts,
    const std::function<std::size_t(std::string_view id)>& part_of) {
  auto sql = forms_after_sql(kind);
  sqlite_api::sqlite3_stmt* raw = nullptr;
  auto fail = [conn](std::string_view what) {
    throw std::runtime_error(fmt::format("reading record forms: {}: {}", what, sqlite_api::sqlite3_errmsg(conn)));
  };
  if (sqlite_api::sqlite3_prepare_v2(conn, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    fail("prepare");
  std::unique_ptr<sqlite_api::sqlite3_stmt, int (*)(sqlite_api::sqlite3_stmt*)> statement{raw,
                                                                                        sqlite_api::sqlite3_finalize};
  if (sqlite_api::sqlite3_bind_text(raw, 1, after.data(), static_cast<int>(after.size()), SQLITE_STATIC) != SQLITE_OK ||
      sqlite_api::sqlite3_bind_int(raw, 2, limit) != SQLITE_OK)
    fail("bind");
  auto column = [raw](int i) {
    const auto* bytes = static_cast<const char*>(sqlite_api::sqlite3_column_blob(raw, i));
    return std::string_view{bytes ? bytes : "", static_cast<std::size_t>(sqlite_api::sqlite3_column_bytes(raw, i))};
  };
  chunk_writer out{parts, limit};
  std::string last;
  int rc = SQLITE_ROW;
  while ((rc = sqlite_api::sqlite3_step(raw)) == SQLITE_ROW) {
    auto id = column(0);
    out.add(part_of(id), column(1));
    last.assign(id);
  }
  if (rc != SQLITE_DONE)
    fail("step");
  return {out.take(), std::move(last)};
}

}  // namespace

std::pair<std::vector<std::string>, std::string> forms_after(
    soci::session& db, record_kind kind, const std::string& after, int limit, std::size_t parts,
    const std::function<std::size_t(std::string_view id)>& part_of) {
  if (auto* conn = sqlite_connection(db))
    return sqlite_forms_after(conn, kind, after, limit, parts, part_of);
  chunk_writer out{parts, limit};
  std::string id, form, last;
  soci::statement st =
      (db.prepare << fmt::format("SELECT id, form FROM {} WHERE id > :after ORDER BY id LIMIT :limit",
                                 forms_table_of(kind)),
       soci::use(after, "after"), soci::use(limit, "limit"), soci::into(id), soci::into(form));
  st.execute();
  while (st.fetch()) {
    out.add(part_of(id), form);
    last = id;
  }
  return {out.take(), std::move(last)};
}

std::int64_t count_records(soci::session& db, record_kind kind) {
  long long n = 0;
  db << fmt::format("SELECT COUNT(*) FROM {}", table_of(kind)), soci::into(n);
  return n;
}

std::int64_t count_forms(soci::session& db, record_kind kind) {
  long long n = 0;
  db << fmt::format("SELECT COUNT(*) FROM {}", forms_table_of(kind)), soci::into(n);
  return n;
}

std::optional<std::int64_t> forms_fingerprint(soci::session& db, record_kind kind) {
  long long fingerprint = 0;
  std::string k{table_of(kind)};
  db << "SELECT fingerprint FROM record_forms WHERE kind = :kind", soci::use(k, "kind"), soci::into(fingerprint);
  if (!db.got_data())
    return std::nullopt;
  return fingerprint;
}

void restart_forms(soci::session& db, record_kind kind, std::int64_t fingerprint) {
  long long f = fingerprint;
  std::string k{table_of(kind)};
  db << fmt::format("DELETE FROM {}", forms_table_of(kind));
  db << "INSERT INTO record_forms (kind, fingerprint) VALUES (:kind, :fingerprint) "
        "ON CONFLICT (kind) DO UPDATE SET fingerprint = excluded.fingerprint",
      soci::use(k, "kind"), soci::use(f, "fingerprint");
}

std::vector<std::pair<std::string, std::string>> records_without_form(soci::session& db, record_kind kind,
                                                                      const std::string& after, int limit) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string id, record;
  soci::statement st =
      (db.prepare << fmt::format("SELECT r.id, r.record FROM {} r WHERE r.id > :after AND NOT EXISTS "
                                 "(SELECT 1 FROM {} f WHERE f.id = r.id) ORDER BY r.id LIMIT :limit",
                                 table_of(kind), forms_table_of(kind)),
       soci::use(after, "after"), soci::use(limit, "limit"), soci::into(id), soci::into(record));
  st.execute();
  while (st.fetch())
    out.emplace_back(id, record);
  return out;
}

void write_forms(soci::session& db, record_kind kind, const std::vector<std::pair<std::string, std::string>>& forms) {
  std::string id, form, record_id;  // the id twice: SOCI binds a name once
  soci::statement st =
      (db.prepare << fmt::format("INSERT INTO {0} (id, form) SELECT :id, :form WHERE EXISTS "
                                 "(SELECT 1 FROM {1} WHERE id = :record_id) ON CONFLICT (id) DO UPDATE SET form = excluded.form",
                                 forms_table_of(kind), table_of(kind)),
       soci::use(id, "id"), soci::use(form, "form"), soci::use(record_id, "record_id"));
  for (const auto& [i, f] : forms) {
    id = i;
    record_id = i;
    form = f;
    st.execute(true);
  }
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
