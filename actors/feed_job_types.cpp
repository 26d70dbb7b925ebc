#include "actors/feed_job_types.hpp"

#include "actors/detail/blocking_ask.hpp"
#include "actors/detail/params.hpp"
#include "actors/job_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace jobmesh::actors {

namespace {

using detail::problem;
using storage::record_kind;

using detail::k_ask_timeout;
constexpr double k_view_interest = 1;
constexpr double k_apply_interest = 3;
constexpr double k_apply_trend = 3;
constexpr std::int64_t k_events_per_candidate = 100'000;
constexpr std::int64_t k_ms_per_hour = 3'600'000;

struct shared_context {
  feed_job_context ctx;
  match::profile_set profiles;
};

using context_ptr = std::shared_ptr<const shared_context>;

template <class T, class Handle, class... Ts>
T ask(const shared_context& c, const Handle& dest, Ts&&... xs) {
  return detail::blocking_ask_or_throw<T>(*c.ctx.system, k_ask_timeout, dest, std::forward<Ts>(xs)...);
}

template <class T, class Handle, class... Ts>
caf::expected<T> ask_for(const shared_context& c, const Handle& dest, Ts&&... xs) {
  return detail::blocking_ask<T>(*c.ctx.system, k_ask_timeout, dest, std::forward<Ts>(xs)...);
}

std::vector<std::string> keys_of(const std::vector<item_ref>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const auto& item : items)
    out.emplace_back(item.key);
  return out;
}

// The postings of `ids` the shards hold, by id.
std::unordered_map<std::string, match::prepared_posting> postings_by_id(const shared_context& c,
                                                                        std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto found = ask<prepared_lookup>(c, c.ctx.marketplace, caf::get_atom::value, record_kind::posting, ids);
  std::unordered_map<std::string, match::prepared_posting> out;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (found[i])
      out.emplace(ids[i], std::get<match::prepared_posting>(std::move(*found[i])));
  return out;
}

// ---- trending-postings ---------------------------------------------------------------------

struct trending_params {
  std::int64_t window_hours = 168;
  std::int64_t batch_size = 500;
};

problem parse(const boost::json::object& p, trending_params& out) {
  if (auto e = detail::only_known(p, {"window_hours", "batch_size"}))
    return e;
  if (auto e = detail::read_int(p, "window_hours", 1, 24 * 366, 168, out.window_hours))
    return e;
  return detail::read_int(p, "batch_size", 1, 10'000, 500, out.batch_size);
}

job_type trending_type(context_ptr c) {
  job_type t;
  t.name = "trending-postings";
  t.for_operators = true;
  t.group = "feed";
  t.description = "views and applications per posting in the last window_hours; score = views + 3 * applications";
  t.plans_slowly = true;
  t.ranks_results = true;
  t.params_schema = object_schema(
      {{"window_hours", integer_schema(1, 24 * 366, 168, "how far back activity counts")},
       {"batch_size", integer_schema(1, 10'000, 500, "postings per batch (one write)")}},
      {});
  t.validate = [](const boost::json::object& p) {
    trending_params tp;
    return parse(p, tp);
  };
  t.plan = [c](const boost::json::object& p, const std::string& job_id) {
    trending_params tp;
    parse(p, tp);
    auto computed_at = now_ms();
    auto since = computed_at - tp.window_hours * k_ms_per_hour;
    auto counted = ask<std::vector<storage::posting_trend>>(*c, c->ctx.records, trending_atom::value, since);
    auto trends = std::make_shared<std::unordered_map<std::string, storage::posting_trend>>();
    auto plan = std::make_shared<job_plan>();
    for (auto& trend : counted) {
      trend.score = static_cast<double>(trend.views) + k_apply_trend * static_cast<double>(trend.applications);
      plan->item_keys.push_back(trend.posting_id);
      trends->emplace(trend.posting_id, std::move(trend));
    }
    plan->batch_size = tp.batch_size;
    plan->parallelism = 1;  // each write replaces the rows of other runs: one writer per run
    plan->handle_batch = [c, trends, job_id, since, computed_at](const std::vector<item_ref>& items) {
      storage::trending_write write{job_id, since, computed_at, {}};
      std::vector<item_outcome> out;
      for (const auto& item : items) {
        const auto& trend = trends->at(std::string{item.key});
        write.postings.push_back(trend);
        out.push_back({true, {}, fmt::format(R"({{"posting_id":"{}","views":{},"applications":{},"score":{}}})",
                                             trend.posting_id, trend.views, trend.applications, trend.score)});
      }
      storage::write_batch batch;
      batch.trending.push_back(std::move(write));
      ask<caf::ok_atom>(*c, c->ctx.writer, write_atom::value, std::move(batch));
      return out;
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

// ---- affinity ------------------------------------------------------------------------------

struct affinity_params {
  std::int64_t batch_size = 200;
  std::vector<std::string> candidate_ids;
};

problem parse(const shared_context& c, const boost::json::object& p, affinity_params& out) {
  if (auto e = detail::only_known(p, {"batch_size", "candidate_ids"}))
    return e;
  if (auto e = detail::read_int(p, "batch_size", 1, 10'000, 200, out.batch_size))
    return e;
  return detail::read_ids(p, "candidate_ids", c.ctx.max_items, out.candidate_ids);
}

// Shares of one dimension's interest, largest first.
std::vector<storage::affinity_row> shares(std::string_view dimension, const std::map<std::string, double>& interest) {
  double total = 0;
  for (const auto& [value, w] : interest)
    total += w;
  std::vector<storage::affinity_row> out;
  for (const auto& [value, w] : interest)
    if (!value.empty())
      out.push_back({std::string{dimension}, value, w / total});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.weight > b.weight; });
  return out;
}

std::string top_json(const std::vector<storage::affinity_row>& rows, std::string_view dimension) {
  std::string out = "{";
  int n = 0;
  for (const auto& r : rows)
    if (r.dimension == dimension && n < 3)
      out += fmt::format("{}{}:{:.4f}", n++ == 0 ? "" : ",", boost::json::serialize(boost::json::string{r.value}),
                         r.weight);
  return out + "}";
}

std::vector<item_outcome> compute_affinity(const shared_context& c, const std::string& job_id,
                                           const std::vector<item_ref>& items) {
  auto ids = keys_of(items);
  std::vector<std::vector<storage::activity_row>> events;
  std::vector<std::string> posting_ids;
  for (const auto& id : ids) {
    events.push_back(
        ask<std::vector<storage::activity_row>>(c, c.ctx.records, activity_atom::value, id, k_events_per_candidate));
    for (const auto& e : events.back())
      if (e.kind == "view" || e.kind == "apply")
        posting_ids.push_back(e.posting_id);
  }
  auto postings = postings_by_id(c, std::move(posting_ids));
  storage::write_batch batch;
  std::vector<item_outcome> out;
  auto now = now_ms();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::map<std::string, double> categories, companies;
    for (const auto& e : events[i]) {
      if (e.kind != "view" && e.kind != "apply")
        continue;
      auto p = postings.find(e.posting_id);
      if (p == postings.end())
        continue;  // deleted since: it says nothing of what the candidate likes now
      auto w = e.kind == "apply" ? k_apply_interest : k_view_interest;
      categories[p->second.category.str()] += w;
      companies[p->second.company] += w;
    }
    storage::affinity_write write{ids[i], job_id, now, shares("category", categories)};
    auto by_company = shares("company", companies);
    write.rows.insert(write.rows.end(), by_company.begin(), by_company.end());
    out.push_back({true, {}, fmt::format(R"({{"categories":{},"companies":{}}})", top_json(write.rows, "category"),
                                         top_json(write.rows, "company"))});
    batch.affinity.push_back(std::move(write));
  }
  ask<caf::ok_atom>(c, c.ctx.writer, write_atom::value, std::move(batch));
  return out;
}

job_type affinity_type(context_ptr c) {
  job_type t;
  t.name = "affinity";
  t.for_operators = true;
  t.group = "feed";
  t.description = "each candidate's share of interest per category and company of the postings they viewed (1) "
                  "and applied to (3)";
  t.plans_slowly = true;
  t.params_schema = object_schema(
      {{"batch_size", integer_schema(1, 10'000, 200, "candidates per batch (one write)")},
       {"candidate_ids",
        detail::ids_schema(c->ctx.max_items, "these candidates only; absent: every candidate who viewed or applied")}},
      {});
  t.validate = [c](const boost::json::object& p) {
    affinity_params ap;
    return parse(*c, p, ap);
  };
  t.plan = [c](const boost::json::object& p, const std::string& job_id) {
    affinity_params ap;
    parse(*c, p, ap);
    auto plan = std::make_shared<job_plan>();
    plan->item_keys = ap.candidate_ids.empty()
                          ? ask<std::vector<std::string>>(*c, c->ctx.records, affinity_atom::value)
                          : ap.candidate_ids;
    plan->batch_size = ap.batch_size;
    plan->handle_batch = [c, job_id](const std::vector<item_ref>& items) { return compute_affinity(*c, job_id, items); };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

// ---- feed-presort --------------------------------------------------------------------------

struct presort_params {
  std::string profile;
  std::int64_t size = 20;
  std::int64_t batch_size = 200;
  std::vector<std::string> candidate_ids;
};

problem parse(const shared_context& c, const boost::json::object& p, presort_params& out) {
  if (auto e = detail::only_known(p, {"profile", "size", "batch_size", "candidate_ids"}))
    return e;
  if (auto e = detail::read_profile(p, c.profiles, out.profile))
    return e;
  if (auto e = detail::read_int(p, "size", 1, 1000, 20, out.size))
    return e;
  if (auto e = detail::read_int(p, "batch_size", 1, 10'000, 200, out.batch_size))
    return e;
  return detail::read_ids(p, "candidate_ids", c.ctx.max_items, out.candidate_ids);
}

// Trending score over the best one's, by posting.
using trend_shares = std::unordered_map<std::string, double>;

struct feed_entry {
  std::string posting_id;
  double score = 0;
  double match_score = 0;
  double affinity = 0;
  double trending = 0;
};

double share_of(const std::vector<storage::affinity_row>& rows, std::string_view dimension, std::string_view value) {
  for (const auto& r : rows)
    if (r.dimension == dimension && r.value == value)
      return r.weight;
  return 0;
}

std::string feed_json(const std::vector<feed_entry>& feed) {
  boost::json::array out;
  for (const auto& e : feed)
    out.push_back({{"posting_id", e.posting_id},
                   {"score", e.score},
                   {"match_score", e.match_score},
                   {"affinity", e.affinity},
                   {"trending", e.trending}});
  return json_text(out);
}

std::vector<item_outcome> presort(const shared_context& c, const presort_params& pp, const trend_shares& trends,
                                  const std::string& job_id, const std::vector<item_ref>& items) {
  auto ids = keys_of(items);
  // What each candidate's feed starts from: their stored matches and affinity.
  std::vector<std::optional<std::vector<std::pair<std::string, double>>>> matched(ids.size());
  std::vector<std::vector<storage::affinity_row>> affinity(ids.size());
  std::vector<std::string> posting_ids;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto stored = ask_for<storage::stored_matches>(c, c.ctx.records, match_atom::value, ids[i], pp.profile);
    if (!stored) {
      if (code_of(stored.error()) != errc::not_found)
        throw std::runtime_error(message_of(stored.error()));
      continue;
    }
    auto line = boost::json::parse(stored->results);
    matched[i].emplace();
    for (const auto& r : line.at("results").as_array()) {
      matched[i]->emplace_back(std::string{r.at("id").as_string()}, r.at("score").to_number<double>());
      posting_ids.push_back(matched[i]->back().first);
    }
    affinity[i] = ask<std::vector<storage::affinity_row>>(c, c.ctx.records, affinity_atom::value, ids[i]);
  }
  auto postings = postings_by_id(c, std::move(posting_ids));
  const feed_weights w;
  storage::write_batch batch;
  std::vector<item_outcome> out;
  auto now = now_ms();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!matched[i]) {
      out.push_back({true, {}, fmt::format(R"({{"skipped":"no stored matches under profile {}: run match-scores"}})",
                                           pp.profile)});
      continue;
    }
    std::vector<feed_entry> feed;
    for (const auto& [posting_id, match_score] : *matched[i]) {
      auto p = postings.find(posting_id);
      if (p == postings.end())
        continue;  // deleted since the match was stored
      feed_entry e{posting_id, 0, match_score, 0, 0};
      e.affinity = (share_of(affinity[i], "category", p->second.category) +
                    share_of(affinity[i], "company", p->second.company)) /
                   2;
      if (auto t = trends.find(posting_id); t != trends.end())
        e.trending = t->second;
      e.score = w.match * match_score / 100 + w.affinity * e.affinity + w.trending * e.trending;
      feed.push_back(std::move(e));
    }
    std::sort(feed.begin(), feed.end(), [](const feed_entry& a, const feed_entry& b) {
      return a.score != b.score ? a.score > b.score : a.posting_id < b.posting_id;
    });
    if (feed.size() > static_cast<std::size_t>(pp.size))
      feed.resize(static_cast<std::size_t>(pp.size));
    out.push_back({true, {}, fmt::format(R"({{"size":{},"first":{}}})", feed.size(),
                                         feed.empty() ? "null" : fmt::format(R"("{}")", feed.front().posting_id))});
    batch.feeds.push_back({ids[i], feed_json(feed), pp.profile, job_id, now});
  }
  ask<caf::ok_atom>(c, c.ctx.writer, write_atom::value, std::move(batch));
  return out;
}

job_type presort_type(context_ptr c) {
  job_type t;
  t.name = "feed-presort";
  t.for_operators = true;
  t.group = "feed";
  t.depends_on = {"match-scores", "trending-postings", "affinity"};
  t.description = "each candidate's feed: their stored matches ranked by 0.6 * match score / 100 + 0.25 * affinity + "
                  "0.15 * trending, the first size kept (GET /api/v1/candidates/{id}/feed)";
  t.plans_slowly = true;
  t.params_schema = object_schema(
      {{"profile", detail::profile_schema()},
       {"size", integer_schema(1, 1000, 20, "postings kept per feed")},
       {"batch_size", integer_schema(1, 10'000, 200, "candidates per batch (one write)")},
       {"candidate_ids", detail::ids_schema(c->ctx.max_items, "these candidates only; absent: every candidate")}},
      {});
  t.validate = [c](const boost::json::object& p) {
    presort_params pp;
    return parse(*c, p, pp);
  };
  t.plan = [c](const boost::json::object& p, const std::string& job_id) {
    presort_params pp;
    parse(*c, p, pp);
    auto trending = ask<std::vector<storage::posting_trend>>(*c, c->ctx.records, trending_atom::value);
    auto trends = std::make_shared<trend_shares>();
    double best = trending.empty() ? 0 : trending.front().score;
    for (const auto& t : trending)
      if (best > 0)
        trends->emplace(t.posting_id, t.score / best);
    auto plan = std::make_shared<job_plan>();
    plan->item_keys = pp.candidate_ids.empty()
                          ? ask<std::vector<std::string>>(*c, c->ctx.marketplace, ids_atom::value, record_kind::candidate)
                          : pp.candidate_ids;
    plan->batch_size = pp.batch_size;
    plan->handle_batch = [c, pp, trends, job_id](const std::vector<item_ref>& items) {
      return presort(*c, pp, *trends, job_id, items);
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

}  // namespace

void add_feed_job_types(job_type_registry& registry, feed_job_context ctx) {
  auto c = std::make_shared<shared_context>();
  c->ctx = std::move(ctx);
  c->profiles.add(c->ctx.matching.profiles);
  registry.add(trending_type(c));
  registry.add(affinity_type(c));
  registry.add(presort_type(c));
}

}  // namespace jobmesh::actors
