#include "storage/job_repository.hpp"

#include "storage/detail/job_conversion.hpp"
#include "storage/clock.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace jobmesh::storage {

namespace {

using detail::item_columns;
using detail::item_row;
using detail::job_columns;
using detail::job_row;

// Sets exactly the columns detail::set_updated_columns sets.
constexpr std::string_view k_update_job =
    "UPDATE jobs SET status = :status, priority = :priority, total_items = :total_items, "
    "processed_items = :processed_items, failed_items = :failed_items, attempt = :attempt, "
    "max_attempts = :max_attempts, error_message = :error_message, current_item = :current_item, "
    "started_at = :started_at, completed_at = :completed_at, updated_at = :updated_at, "
    "expires_at = :expires_at, run_after = :run_after, heartbeat_at = :heartbeat_at WHERE id = :id";

// The same update, applied only while the stored row is at the fence's attempt and status.
constexpr std::string_view k_fence_condition = " AND attempt = :fence_attempt AND status = :fence_status";

// An item's update; an insert when the job has no row of it yet: the item of a job of one item
// whose first run kept it in the job's row (jobs.single_item), run again.
constexpr std::string_view k_update_item =
    "INSERT INTO job_items (job_id, idx, item_key, status, attempts, error, processing_time_ms, updated_at, result) "
    "VALUES (:job_id, :idx, :item_key, :status, :attempts, :error, :processing_time_ms, :updated_at, :result) "
    "ON CONFLICT (job_id, idx) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, "
    "error = excluded.error, processing_time_ms = excluded.processing_time_ms, updated_at = excluded.updated_at, "
    "result = excluded.result";

// The job's update of a fenced end that keeps its one item in its row (write_batch::single_items).
const std::string k_update_job_and_item = [] {
  std::string sql{k_update_job};
  constexpr std::string_view where = " WHERE id = :id";
  return sql.insert(sql.rfind(where), ", single_item = :single_item");
}();

constexpr std::string_view k_finished_since =
    "SELECT type, SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), "
    "COALESCE(AVG(CASE WHEN status = 'completed' THEN completed_at - started_at END), 0) "
    "FROM jobs WHERE completed_at >= :since AND status IN ('completed', 'failed') GROUP BY type ORDER BY type";

// The same `limit` oldest-expiring finished jobs in both statements (same snapshot: one
// transaction, and expires_at only ever set on jobs that ended).
constexpr std::string_view k_expired_ids =
    "SELECT id FROM jobs WHERE expires_at > 0 AND expires_at < :now "
    "AND status IN ('completed', 'failed', 'cancelled') ORDER BY expires_at, id LIMIT :n";
constexpr std::string_view k_count_expired =
    "SELECT COUNT(*) FROM jobs WHERE expires_at > 0 AND expires_at < :now "
    "AND status IN ('completed', 'failed', 'cancelled')";
const std::string k_delete_expired_items = fmt::format("DELETE FROM job_items WHERE job_id IN ({})", k_expired_ids);
const std::string k_delete_expired_jobs = fmt::format("DELETE FROM jobs WHERE id IN ({})", k_expired_ids);

using batches = std::span<const write_batch* const>;

// A statement and the row its members are bound to; prepared at its first use.
template <class Row>
struct bound_statement {
  Row row;
  std::optional<soci::statement> st;
};

// One prepared statement with a row's members bound, executed once per record (of every batch,
// in order) not skipped: SQLite's fastest bulk path.
template <class Row, class Record, class Skip>
void execute_each(soci::session& db, const std::string& sql, batches all, std::vector<Record> write_batch::*records,
                  Skip skip, bound_statement<Row>& bound) {
  for (std::size_t b = 0; b < all.size(); ++b)
    for (const auto& r : all[b]->*records) {
      if (skip(b, r))
        continue;
      detail::set_row(bound.row, r);
      if (!bound.st)
        bound.st.emplace(detail::prepare_with_row(db, sql, bound.row));
      bound.st->execute(true);
    }
}

// `writer` inserting every record (of every batch, in order) not skipped; `adjust(row, record)`
// may change a row after it is set from its record.
template <class Row, class Record, class Skip, class Adjust = void (*)(Row&, const Record&)>
void insert_each(soci::session& db, batches all, std::vector<Record> write_batch::*records, Skip skip,
                 detail::row_writer<Row>& writer, Adjust adjust = [](Row&, const Record&) {}) {
  for (std::size_t b = 0; b < all.size(); ++b)
    for (const auto& r : all[b]->*records)
      if (!skip(b, r)) {
        auto& row = writer.next(db);
        detail::set_row(row, r);
        adjust(row, r);
      }
  writer.flush(db);
}

// The fenced update's statement: its row plus the fence's two values.
struct fenced_statement {
  job_row row;
  long long fence_attempt = 0;
  std::string fence_status;
  std::optional<soci::statement> st;
};

struct fenced_statements {
  fenced_statement job_only;
  fenced_statement job_and_item;  ///< the end of a job that keeps its one item in its row

  void reset() {
    job_only.st.reset();
    job_and_item.st.reset();
  }
};

// `write(db, rows)` for each batch that has rows of this kind (each such write prepares its own
// statements, so the empty ones are not asked).
template <class Rows, class Write>
void write_each(soci::session& db, batches all, Rows write_batch::*rows, Write write) {
  for (const auto* batch : all)
    if (!(batch->*rows).empty())
      write(db, batch->*rows);
}

using fence_index = std::unordered_map<std::string_view, const job_fence*>;

// Each batch's fences by job id: a fence holds for the writes of its own batch only (two
// runners of one job, a stale one and the current one, may share a group commit).
std::vector<fence_index> fences_of(batches all) {
  std::vector<fence_index> out(all.size());
  for (std::size_t b = 0; b < all.size(); ++b)
    for (const auto& f : all[b]->fences)
      out[b].emplace(f.job_id, &f);
  return out;
}

// Jobs inserted and ended in the same commit: each such job's row is inserted as it ends, and
// its fenced update is not run. The update would find the row just inserted, so the fence
// holds (its attempt and status are the inserted row's) and the row ends as the update
// leaves it; only a job updated once in the commit qualifies, so no other write of it comes
// between. A quick job that ran while its submission waited for the writer ends this way: one
// row written instead of a row and its update, which moved it in two indexes (the fenced
// updates were ~39% of the writer's time under bench jobs).
using coalesced_ends = std::unordered_map<std::string_view, const job_record*>;

coalesced_ends coalesce(batches all, const std::vector<fence_index>& fences) {
  coalesced_ends out;
  bool any_insert = false, any_fence = false;
  for (std::size_t b = 0; b < all.size(); ++b) {
    any_insert = any_insert || !all[b]->inserted_jobs.empty();
    any_fence = any_fence || !fences[b].empty();
  }
  if (!any_insert || !any_fence)
    return out;
  std::unordered_map<std::string_view, const job_record*> inserted;
  for (const auto* batch : all)
    for (const auto& job : batch->inserted_jobs)
      inserted.emplace(job.id, &job);
  std::unordered_map<std::string_view, int> updates;  // of the inserted jobs only
  for (std::size_t b = 0; b < all.size(); ++b)
    for (const auto& job : all[b]->updated_jobs) {
      auto row = inserted.find(job.id);
      if (row == inserted.end())
        continue;
      ++updates[job.id];
      auto fence = fences[b].find(job.id);
      if (fence != fences[b].end() && fence->second->attempt == row->second->attempt &&
          fence->second->status == row->second->status)
        out.emplace(job.id, &job);
    }
  std::erase_if(out, [&](const auto& end) { return updates[end.first] != 1; });
  return out;
}

// The fenced job updates, one statement per job: rows affected says whether the fence held.
// The ids refused, per batch. The coalesced ones are written by their inserts.
std::vector<std::unordered_set<std::string>> update_fenced(soci::session& db, batches all,
                                                           const std::vector<fence_index>& fences,
                                                           const coalesced_ends& coalesced,
                                                           fenced_statements& statements) {
  static const std::string job_only = std::string{k_update_job} + std::string{k_fence_condition};
  static const std::string job_and_item = k_update_job_and_item + std::string{k_fence_condition};
  std::vector<std::unordered_set<std::string>> refused(all.size());
  for (std::size_t b = 0; b < all.size(); ++b)
    for (const auto& job : all[b]->updated_jobs) {
      auto fence = fences[b].find(job.id);
      if (fence == fences[b].end() || (!coalesced.empty() && coalesced.contains(job.id)))
        continue;
      const auto& singles = all[b]->single_items;
      auto single = singles.empty() ? singles.end() : singles.find(job.id);
      auto& f = single == singles.end() ? statements.job_only : statements.job_and_item;
      const auto& sql = single == singles.end() ? job_only : job_and_item;
      detail::set_row(f.row, job);
      if (single != singles.end())
        f.row.single_item = single->second;
      f.fence_attempt = fence->second->attempt;
      f.fence_status = std::string{to_string(fence->second->status)};
      if (!f.st) {
        f.st.emplace(db);
        f.st->alloc();
        detail::use_row(*f.st, sql, f.row);
        f.st->exchange(soci::use(f.fence_attempt, "fence_attempt"));
        f.st->exchange(soci::use(f.fence_status, "fence_status"));
        f.st->prepare(sql);
        f.st->define_and_bind();
      }
      f.st->execute(true);
      if (f.st->get_affected_rows() == 0)
        refused[b].insert(job.id);
    }
  return refused;
}

template <class Record>
std::vector<Record> fetch_all(soci::statement& st, Record& row) {
  std::vector<Record> out;
  st.execute();
  while (st.fetch())
    out.push_back(row);
  return out;
}

}  // namespace

bool write_batch::empty() const {
  return size() == 0;
}

std::size_t write_batch::size() const {
  return inserted_jobs.size() + updated_jobs.size() + inserted_items.size() + updated_items.size() + records.size() +
         match_results.size() + schedules.size() + activity.size() + trending.size() + affinity.size() + feeds.size() +
         skill_index.size() + skill_relationships.size();
}

struct prepared_writes::statements {
  detail::row_writer<job_row> insert_job{[](std::size_t n) { return detail::insert_rows_sql<job_row>("jobs", n); }};
  bound_statement<job_row> update_job;
  fenced_statements update_fenced;
  detail::row_writer<item_row> insert_item{
      [](std::size_t n) { return detail::insert_rows_sql<item_row>("job_items", n); }};
  bound_statement<item_row> update_item;

  /// Finalises them all: after a failure none is reused, and the rollback finds none pending
  /// (as when each commit had statements of its own).
  void clear() {
    insert_job.reset();
    update_job.st.reset();
    update_fenced.reset();
    insert_item.reset();
    update_item.st.reset();
  }
};

prepared_writes::prepared_writes() : statements_(std::make_unique<statements>()) {}
prepared_writes::~prepared_writes() = default;

namespace {

std::vector<std::vector<std::string>> apply(soci::session& db, batches all, prepared_writes::statements& s) {
  auto fences = fences_of(all);
  auto coalesced = coalesce(all, fences);
  auto never = [](std::size_t, const job_record&) { return false; };
  insert_each(db, all, &write_batch::inserted_jobs, never, s.insert_job, [&](job_row& row, const job_record& job) {
    auto end = coalesced.empty() ? coalesced.end() : coalesced.find(job.id);
    if (end == coalesced.end())
      return;
    detail::set_updated_columns(row, *end->second);  // inserted as it ended
    for (const auto* batch : all)
      if (auto single = batch->single_items.find(job.id); single != batch->single_items.end())
        row.single_item = single->second;
  });
  auto fenced = [&](std::size_t b, const job_record& j) { return !fences[b].empty() && fences[b].contains(j.id); };
  static const std::string update_job{k_update_job};
  execute_each(db, update_job, all, &write_batch::updated_jobs, fenced, s.update_job);
  auto refused = update_fenced(db, all, fences, coalesced, s.update_fenced);
  auto refused_item = [&](std::size_t b, const item_record& i) {
    return !refused[b].empty() && refused[b].contains(i.job_id);
  };
  insert_each(db, all, &write_batch::inserted_items, refused_item, s.insert_item);
  static const std::string update_item{k_update_item};
  execute_each(db, update_item, all, &write_batch::updated_items, refused_item, s.update_item);
  auto now = now_ms();
  write_each(db, all, &write_batch::records, [now](soci::session& s, const auto& r) { apply_record_writes(s, r, now); });
  write_each(db, all, &write_batch::match_results, upsert_stored_matches);
  write_each(db, all, &write_batch::schedules, upsert_schedules);
  write_each(db, all, &write_batch::activity, insert_activity);
  write_each(db, all, &write_batch::trending, write_trending);
  write_each(db, all, &write_batch::affinity, write_affinity);
  write_each(db, all, &write_batch::feeds, upsert_feeds);
  write_each(db, all, &write_batch::skill_index, write_skill_index);
  write_each(db, all, &write_batch::skill_relationships, write_skill_relationships);
  std::vector<std::vector<std::string>> out;
  for (auto& ids : refused)
    out.emplace_back(ids.begin(), ids.end());
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> commit(soci::session& db, batches all, prepared_writes* cache) {
  if (!cache) {
    prepared_writes once;
    return commit(db, all, &once);
  }
  auto& statements = *cache->statements_;
  soci::transaction tx{db};
  try {
    auto refused = apply(db, all, statements);
    tx.commit();
    return refused;
  } catch (...) {
    statements.clear();  // before the rollback
    throw;
  }
}

std::vector<std::string> commit(soci::session& db, const write_batch& batch) {
  const write_batch* one = &batch;
  auto refused = commit(db, batches{&one, 1});
  return std::move(refused.front());
}

std::optional<job_record> find_job(soci::session& db, const std::string& id) {
  job_record row;
  soci::indicator ind = soci::i_null;
  db << fmt::format("SELECT {} FROM jobs WHERE id = :id", job_columns()), soci::use(id, "id"), soci::into(row, ind);
  if (!db.got_data())
    return std::nullopt;
  return row;
}

std::optional<job_record> find_job_by_idempotency_key(soci::session& db, const std::string& user_id,
                                                      const std::string& key) {
  job_record row;
  soci::indicator ind = soci::i_null;
  db << fmt::format("SELECT {} FROM jobs WHERE user_id = :user_id AND idempotency_key = :key", job_columns()),
      soci::use(user_id, "user_id"), soci::use(key, "key"), soci::into(row, ind);
  if (!db.got_data())
    return std::nullopt;
  return row;
}

std::vector<job_record> find_jobs_by_idempotency_keys(soci::session& db, const std::string& user_id,
                                                      const std::vector<std::string>& keys) {
  std::vector<job_record> out;
  if (keys.empty())
    return out;
  job_record row;
  std::string key = keys.front();
  soci::indicator ind = soci::i_null;
  soci::statement st =
      (db.prepare << fmt::format("SELECT {} FROM jobs WHERE user_id = :user_id AND idempotency_key = :key", job_columns()),
       soci::use(user_id, "user_id"), soci::use(key, "key"), soci::into(row, ind));
  for (const auto& k : keys) {
    key = k;
    st.execute(false);
    if (st.fetch())
      out.push_back(row);
  }
  return out;
}

std::vector<finished_counts> finished_since(soci::session& db, std::int64_t since_ms) {
  std::vector<finished_counts> out;
  finished_counts row;
  long long since = since_ms;
  long long completed = 0, failed = 0;
  soci::statement st = (db.prepare << k_finished_since, soci::use(since, "since"), soci::into(row.type),
                        soci::into(completed), soci::into(failed), soci::into(row.average_run_ms));
  st.execute();
  while (st.fetch()) {
    row.completed = completed;
    row.failed = failed;
    out.push_back(row);
  }
  return out;
}

std::int64_t count_expired_jobs(soci::session& db, std::int64_t now_ms) {
  long long now = now_ms, n = 0;
  db << k_count_expired, soci::use(now, "now"), soci::into(n);
  return n;
}

std::int64_t delete_expired_jobs(soci::session& db, std::int64_t now_ms, std::int64_t limit) {
  long long now = now_ms, n = limit;
  soci::transaction tx{db};
  // Items first: the foreign key's ON DELETE CASCADE needs PRAGMA foreign_keys, which is per
  // connection; an explicit delete does not depend on it.
  db << k_delete_expired_items, soci::use(now, "now"), soci::use(n, "n");
  soci::statement st = (db.prepare << k_delete_expired_jobs, soci::use(now, "now"), soci::use(n, "n"));
  st.execute(true);
  auto deleted = st.get_affected_rows();
  tx.commit();
  return deleted;
}

namespace {

// The term that lets SQLite use jobs_by_status (a partial index of the jobs not completed,
// migration 0011) for `status = :status`: it cannot tell from a bound status that the index
// holds the rows asked for.
std::string_view not_completed_term(std::string_view status) {
  return status == to_string(job_status::completed) ? "" : " AND status <> 'completed'";
}

}  // namespace

std::vector<job_record> jobs_with_status(soci::session& db, job_status status) {
  job_record row;
  std::string name{to_string(status)};
  soci::statement st =
      (db.prepare << fmt::format("SELECT {} FROM jobs WHERE status = :status{} ORDER BY priority DESC, created_at, id",
                                 job_columns(), not_completed_term(name)),
       soci::use(name, "status"), soci::into(row));
  return fetch_all(st, row);
}

std::vector<job_record> stalled_jobs(soci::session& db, std::int64_t heartbeat_before_ms) {
  job_record row;
  long long before = heartbeat_before_ms;
  soci::statement st = (db.prepare << fmt::format("SELECT {} FROM jobs WHERE status = 'running'{} AND heartbeat_at < "
                                                  ":before ORDER BY heartbeat_at, id",
                                                  job_columns(), not_completed_term("running")),
                        soci::use(before, "before"), soci::into(row));
  return fetch_all(st, row);
}

std::vector<job_record> list_jobs(soci::session& db, const job_filter& filter) {
  // Only the filters given become conditions, so the query planner sees plain equalities.
  std::string where = "1 = 1";
  if (!filter.status.empty())
    where += fmt::format(" AND status = :status{}", not_completed_term(filter.status));
  if (!filter.type.empty())
    where += " AND type = :type";
  if (!filter.user_id.empty())
    where += " AND user_id = :user_id";
  if (!filter.after.empty())
    where += " AND id < :after";
  job_record row;
  soci::statement st{db};
  auto sql = fmt::format("SELECT {} FROM jobs WHERE {} ORDER BY id DESC LIMIT {}", job_columns(), where, filter.limit);
  st.alloc();
  if (!filter.status.empty())
    st.exchange(soci::use(filter.status, "status"));
  if (!filter.type.empty())
    st.exchange(soci::use(filter.type, "type"));
  if (!filter.user_id.empty())
    st.exchange(soci::use(filter.user_id, "user_id"));
  if (!filter.after.empty())
    st.exchange(soci::use(filter.after, "after"));
  st.exchange(soci::into(row));
  st.prepare(sql);
  st.define_and_bind();
  return fetch_all(st, row);
}

namespace {

// A string as a JSON string literal ("" without a call for the usual empty error and result).
std::string quoted(const std::string& text) {
  return text.empty() ? std::string{"\"\""} : boost::json::serialize(boost::json::string_view{text});
}

}  // namespace

std::string encode_single_item(const item_record& item, std::int64_t completed_at) {
  return fmt::format("[{},\"{}\",{},{},{},{},{},{}]", item.index, to_string(item.status), item.attempts,
                     item.processing_time_ms, item.updated_at - completed_at, quoted(item.key), quoted(item.error),
                     quoted(item.result));
}

std::optional<item_record> decode_single_item(const std::string& job_id, std::string_view text,
                                              std::int64_t completed_at) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_array() || value.as_array().size() != 8)
    return std::nullopt;
  const auto& a = value.as_array();
  for (std::size_t k : {0, 2, 3, 4})
    if (!a[k].is_int64())
      return std::nullopt;
  for (std::size_t k : {1, 5, 6, 7})
    if (!a[k].is_string())
      return std::nullopt;
  auto status = parse_item_status(a[1].as_string());
  if (!status)
    return std::nullopt;
  return item_record{job_id,
                     a[0].as_int64(),
                     std::string{a[5].as_string()},
                     *status,
                     a[2].as_int64(),
                     std::string{a[6].as_string()},
                     a[3].as_int64(),
                     a[4].as_int64() + completed_at,
                     std::string{a[7].as_string()}};
}

namespace {

// The item a job keeps in its row, when it keeps one and job_items holds none of its items.
std::optional<item_record> single_item_of(soci::session& db, const std::string& job_id) {
  std::string text;
  long long completed_at = 0;
  int has_rows = 0;
  soci::indicator ind = soci::i_ok;
  db << "SELECT single_item, completed_at, EXISTS (SELECT 1 FROM job_items WHERE job_id = :id) FROM jobs "
        "WHERE id = :id",
      soci::use(job_id, "id"), soci::into(text, ind), soci::into(completed_at), soci::into(has_rows);
  if (!db.got_data() || ind != soci::i_ok || text.empty() || has_rows != 0)
    return std::nullopt;
  auto item = decode_single_item(job_id, text, completed_at);
  if (!item)
    throw std::runtime_error(fmt::format("job {}: its stored item is not readable: {}", job_id, text.substr(0, 200)));
  return item;
}

}  // namespace

std::vector<item_record> list_items(soci::session& db, const item_filter& filter) {
  if (auto single = single_item_of(db, filter.job_id)) {
    std::vector<item_record> out;
    if (single->index > filter.after && (!filter.status || *filter.status == single->status) && filter.limit > 0)
      out.push_back(std::move(*single));
    return out;
  }
  item_record row;
  long long after = filter.after;
  std::string status = filter.status ? std::string{to_string(*filter.status)} : std::string{};
  auto sql = fmt::format("SELECT {} FROM job_items WHERE job_id = :job_id AND idx > :after{} ORDER BY idx LIMIT {}",
                         item_columns(), filter.status ? " AND status = :status" : "", filter.limit);
  soci::statement st = filter.status ? (db.prepare << sql, soci::use(filter.job_id, "job_id"), soci::use(after, "after"),
                                        soci::use(status, "status"), soci::into(row))
                                     : (db.prepare << sql, soci::use(filter.job_id, "job_id"),
                                        soci::use(after, "after"), soci::into(row));
  return fetch_all(st, row);
}

std::vector<item_record> all_items(soci::session& db, const std::string& job_id) {
  if (auto single = single_item_of(db, job_id))
    return {std::move(*single)};
  item_record row;
  soci::statement st =
      (db.prepare << fmt::format("SELECT {} FROM job_items WHERE job_id = :job_id ORDER BY idx", item_columns()),
       soci::use(job_id, "job_id"), soci::into(row));
  return fetch_all(st, row);
}

}  // namespace jobmesh::storage
