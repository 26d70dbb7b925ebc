#include "storage/feed_repository.hpp"

#include "storage/detail/soci_values.hpp"

#include <soci/soci.h>

namespace jobmesh::storage {

namespace {

constexpr const char* k_activity_by_posting =
    "SELECT posting_id, SUM(CASE WHEN kind = 'view' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN kind = 'apply' THEN 1 ELSE 0 END) FROM activity "
    "WHERE at >= :since AND posting_id <> '' AND kind IN ('view', 'apply') GROUP BY posting_id";
constexpr const char* k_candidates_with_interest =
    "SELECT DISTINCT candidate_id FROM activity WHERE kind IN ('view', 'apply') ORDER BY candidate_id";
constexpr const char* k_trending =
    "SELECT posting_id, views, applications, score FROM trending_postings ORDER BY score DESC, posting_id";
constexpr const char* k_affinity_of =
    "SELECT dimension, value, weight FROM candidate_affinity WHERE candidate_id = :c ORDER BY dimension, weight DESC";
constexpr const char* k_find_feed =
    "SELECT feed, profile, job_id, computed_at FROM candidate_feeds WHERE candidate_id = :c";
constexpr const char* k_delete_other_trending = "DELETE FROM trending_postings WHERE job_id <> :job";
constexpr const char* k_upsert_trending =
    "INSERT INTO trending_postings (posting_id, views, applications, score, window_start, job_id, computed_at) "
    "VALUES (:p, :v, :a, :s, :w, :job, :at) ON CONFLICT (posting_id) DO UPDATE SET views = excluded.views, "
    "applications = excluded.applications, score = excluded.score, window_start = excluded.window_start, "
    "job_id = excluded.job_id, computed_at = excluded.computed_at";
constexpr const char* k_delete_affinity = "DELETE FROM candidate_affinity WHERE candidate_id = :c";
constexpr const char* k_insert_affinity =
    "INSERT INTO candidate_affinity (candidate_id, dimension, value, weight, job_id, computed_at) "
    "VALUES (:c, :d, :v, :w, :job, :at)";
constexpr const char* k_upsert_feed =
    "INSERT INTO candidate_feeds (candidate_id, feed, profile, job_id, computed_at) VALUES (:c, :f, :p, :job, :at) "
    "ON CONFLICT (candidate_id) DO UPDATE SET feed = excluded.feed, profile = excluded.profile, "
    "job_id = excluded.job_id, computed_at = excluded.computed_at";

}  // namespace

std::vector<posting_trend> activity_by_posting(soci::session& db, std::int64_t since_ms) {
  long long since = since_ms;
  std::vector<posting_trend> out;
  soci::rowset<soci::row> rows = (db.prepare << k_activity_by_posting, soci::use(since, "since"));
  for (const auto& row : rows)
    out.push_back({row.get<std::string>(0), detail::integer_at(row, 1), detail::integer_at(row, 2), 0});
  return out;
}

std::vector<std::string> candidates_with_interest(soci::session& db) {
  std::vector<std::string> out;
  soci::rowset<std::string> rows = (db.prepare << k_candidates_with_interest);
  for (const auto& id : rows)
    out.push_back(id);
  return out;
}

std::vector<posting_trend> trending_postings(soci::session& db) {
  std::vector<posting_trend> out;
  soci::rowset<soci::row> rows = (db.prepare << k_trending);
  for (const auto& row : rows)
    out.push_back({row.get<std::string>(0), detail::integer_at(row, 1), detail::integer_at(row, 2), row.get<double>(3)});
  return out;
}

std::vector<affinity_row> affinity_of(soci::session& db, const std::string& candidate_id) {
  std::vector<affinity_row> out;
  soci::rowset<soci::row> rows = (db.prepare << k_affinity_of, soci::use(candidate_id, "c"));
  for (const auto& row : rows)
    out.push_back({row.get<std::string>(0), row.get<std::string>(1), row.get<double>(2)});
  return out;
}

std::optional<stored_feed> find_feed(soci::session& db, const std::string& candidate_id) {
  stored_feed out{candidate_id};
  long long at = 0;
  db << k_find_feed, soci::use(candidate_id, "c"), soci::into(out.feed), soci::into(out.profile),
      soci::into(out.job_id), soci::into(at);
  if (!db.got_data())
    return std::nullopt;
  out.computed_at = at;
  return out;
}

void write_trending(soci::session& db, const std::vector<trending_write>& writes) {
  for (const auto& w : writes) {
    db << k_delete_other_trending, soci::use(w.job_id, "job");
    posting_trend t;
    long long window = w.window_start, at = w.computed_at, views = 0, applications = 0;
    std::string job = w.job_id;
    soci::statement st = (db.prepare << k_upsert_trending, soci::use(t.posting_id, "p"), soci::use(views, "v"),
                          soci::use(applications, "a"), soci::use(t.score, "s"), soci::use(window, "w"),
                          soci::use(job, "job"), soci::use(at, "at"));
    for (const auto& p : w.postings) {
      t = p;
      views = p.views;
      applications = p.applications;
      st.execute(true);
    }
  }
}

void write_affinity(soci::session& db, const std::vector<affinity_write>& writes) {
  for (const auto& w : writes) {
    db << k_delete_affinity, soci::use(w.candidate_id, "c");
    if (w.rows.empty())
      continue;
    affinity_row r;
    std::string candidate = w.candidate_id, job = w.job_id;
    long long at = w.computed_at;
    soci::statement st = (db.prepare << k_insert_affinity, soci::use(candidate, "c"), soci::use(r.dimension, "d"),
                          soci::use(r.value, "v"), soci::use(r.weight, "w"), soci::use(job, "job"),
                          soci::use(at, "at"));
    for (const auto& row : w.rows) {
      r = row;
      st.execute(true);
    }
  }
}

void upsert_feeds(soci::session& db, const std::vector<stored_feed>& feeds) {
  if (feeds.empty())
    return;
  stored_feed f;
  long long at = 0;
  soci::statement st = (db.prepare << k_upsert_feed, soci::use(f.candidate_id, "c"), soci::use(f.feed, "f"),
                        soci::use(f.profile, "p"), soci::use(f.job_id, "job"), soci::use(at, "at"));
  for (const auto& feed : feeds) {
    f = feed;
    at = feed.computed_at;
    st.execute(true);
  }
}

}  // namespace jobmesh::storage
