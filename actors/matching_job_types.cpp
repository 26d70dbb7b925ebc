#include "actors/matching_job_types.hpp"

#include "actors/detail/blocking_ask.hpp"

#include "actors/detail/params.hpp"
#include "actors/errors.hpp"
#include "actors/job_json.hpp"
#include "actors/match_json.hpp"
#include "match/ndjson.hpp"
#include "storage/clock.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <chrono>
#include <map>

namespace jobmesh::actors {

namespace {

using detail::ids_schema;
using detail::problem;
using detail::profile_schema;
using storage::record_kind;

using detail::k_ask_timeout;
using storage::now_ms;
constexpr std::size_t k_max_url_length = 2048;

// What every type's handlers share: the context and the profiles a job may name.
struct shared_context {
  matching_job_context ctx;
  match::profile_set profiles;

  const match::profile& profile(const std::string& name) const { return *profiles.find(name); }
};

using context_ptr = std::shared_ptr<const shared_context>;

// Asks `dest` from a worker or planner thread and waits for the answer, or its error.
template <class T, class Handle, class... Ts>
caf::expected<T> ask_for(const shared_context& c, const Handle& dest, Ts&&... xs) {
  return detail::blocking_ask<T>(*c.ctx.system, k_ask_timeout, dest, std::forward<Ts>(xs)...);
}

// As `ask_for`, an error thrown: it fails the item or batch that asked.
template <class T, class Handle, class... Ts>
T ask(const shared_context& c, const Handle& dest, Ts&&... xs) {
  return detail::blocking_ask_or_throw<T>(*c.ctx.system, k_ask_timeout, dest, std::forward<Ts>(xs)...);
}

boost::json::object id_schema(std::string_view what) {
  return {{"type", "string"}, {"pattern", "^[A-Za-z0-9_.:-]{1,64}$"}, {"description", what}};
}

boost::json::object score_schema(double fallback, std::string_view what) {
  return {{"type", "number"}, {"minimum", 0}, {"maximum", 100}, {"default", fallback}, {"description", what}};
}

// The targets a job covers: the ids it was given, or every record of `kind` the shards hold
// now (a record deleted later is then skipped, not failed).
std::vector<std::string> targets_of(const shared_context& c, const std::vector<std::string>& given, record_kind kind) {
  if (!given.empty())
    return given;
  return ask<std::vector<std::string>>(c, c.ctx.marketplace, ids_atom::value, kind);
}

item_outcome missing(bool explicitly_given, record_kind kind, std::string_view id) {
  if (explicitly_given)
    return {false, fmt::format("no {} {}", storage::noun_of(kind), id), {}, true};
  return {true, {}, fmt::format(R"({{"skipped":"the {} was deleted after the job was planned"}})", storage::noun_of(kind))};
}

// ---- match-scores --------------------------------------------------------------------------

struct scores_params {
  std::string profile;
  std::int64_t top_k = 10;
  double min_score = 0;
  bool top_per_company = false;
  std::int64_t batch_size = 500;
  std::vector<std::string> candidate_ids;
};

problem parse(const shared_context& c, const boost::json::object& p, scores_params& out) {
  if (auto e = detail::only_known(p, {"profile", "top_k", "min_score", "top_per_company", "batch_size", "candidate_ids"}))
    return e;
  if (auto e = detail::read_profile(p, c.profiles, out.profile))
    return e;
  if (auto e = detail::read_int(p, "top_k", 1, 1000, 10, out.top_k))
    return e;
  if (auto e = detail::read_number(p, "min_score", 0, 100, 0, out.min_score))
    return e;
  if (auto e = detail::read_bool(p, "top_per_company", false, out.top_per_company))
    return e;
  if (auto e = detail::read_int(p, "batch_size", 1, 10'000, 500, out.batch_size))
    return e;
  return detail::read_ids(p, "candidate_ids", c.ctx.max_items, out.candidate_ids);
}

// One candidate's matches as `jobmesh match` writes them, and the short form kept as the
// item's result.
std::pair<std::string, std::string> scores_json(const match_reply& reply, const match::profile& prof) {
  match::source_results line{reply.source, {}};
  std::string brief = R"({"results":[)";
  for (std::size_t i = 0; i < reply.results.size(); ++i) {
    line.results.push_back(reply.results[i].result);
    brief += fmt::format(R"({}{{"id":"{}","score":{}}})", i == 0 ? "" : ",", reply.results[i].result.id,
                         reply.results[i].result.score);
  }
  return {match::results_to_json(line, prof), brief + "]}"};
}

std::vector<item_outcome> score_candidates(const shared_context& c, const scores_params& sp, const std::string& job_id,
                                           const std::vector<item_ref>& items) {
  std::vector<std::string> ids;
  for (const auto& item : items)
    ids.emplace_back(item.key);
  match_options options{sp.profile, static_cast<int>(sp.top_k), sp.min_score, sp.top_per_company, {}};
  auto replies = ask<match_batch>(c, c.ctx.marketplace, match_atom::value, record_kind::candidate, ids, options);
  storage::write_batch batch;
  std::vector<item_outcome> out;
  auto now = now_ms();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!replies[i]) {
      out.push_back(missing(!sp.candidate_ids.empty(), record_kind::candidate, ids[i]));
      continue;
    }
    auto [line, brief] = scores_json(*replies[i], c.profile(sp.profile));
    batch.match_results.push_back({ids[i], sp.profile, job_id, std::move(line), now});
    out.push_back({true, {}, std::move(brief)});
  }
  // The batch's items count as done only once their results are stored.
  ask<caf::ok_atom>(c, c.ctx.writer, write_atom::value, std::move(batch));
  return out;
}

job_type match_scores_type(context_ptr c) {
  job_type t;
  t.name = "match-scores";
  t.for_operators = true;
  t.group = "matching";
  t.description = "top-k postings for every candidate (or candidate_ids), stored per candidate and profile";
  t.plans_slowly = true;
  t.params_schema = object_schema(
      {{"profile", profile_schema()},
       {"top_k", integer_schema(1, 1000, 10, "postings kept per candidate")},
       {"min_score", score_schema(0, "postings scoring less are left out")},
       {"top_per_company", boolean_schema(false, "the best posting per company only")},
       {"batch_size", integer_schema(1, 10'000, 500, "candidates per batch (one query to the shards, one write)")},
       {"candidate_ids", ids_schema(c->ctx.max_items, "these candidates only; absent: every candidate")}},
      {});
  t.validate = [c](const boost::json::object& p) {
    scores_params sp;
    return parse(*c, p, sp);
  };
  t.plan = [c](const boost::json::object& p, const std::string& job_id) {
    scores_params sp;
    parse(*c, p, sp);
    auto plan = std::make_shared<job_plan>();
    plan->item_keys = targets_of(*c, sp.candidate_ids, record_kind::candidate);
    plan->batch_size = sp.batch_size;
    plan->handle_batch = [c, sp, job_id](const std::vector<item_ref>& items) {
      return score_candidates(*c, sp, job_id, items);
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

// ---- bulk-analysis -------------------------------------------------------------------------

struct analysis_params {
  std::string posting_id;
  std::string profile;
  std::int64_t batch_size = 1000;
  std::vector<std::string> candidate_ids;
};

problem parse(const shared_context& c, const boost::json::object& p, analysis_params& out) {
  if (auto e = detail::only_known(p, {"posting_id", "candidate_ids", "profile", "batch_size"}))
    return e;
  if (auto e = detail::read_id(p, "posting_id", out.posting_id))
    return e;
  if (auto e = detail::read_profile(p, c.profiles, out.profile))
    return e;
  if (auto e = detail::read_int(p, "batch_size", 1, 10'000, 1000, out.batch_size))
    return e;
  return detail::read_ids(p, "candidate_ids", c.ctx.max_items, out.candidate_ids);
}

std::vector<item_outcome> analyse(const shared_context& c, const analysis_params& ap, const std::vector<item_ref>& items) {
  std::vector<std::string> ids;
  for (const auto& item : items)
    ids.emplace_back(item.key);
  auto scores =
      ask<pair_scores>(c, c.ctx.marketplace, score_atom::value, record_kind::posting, ap.posting_id, ids, ap.profile);
  const auto& used = c.profile(ap.profile).used;
  std::vector<item_outcome> out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!scores[i])
      out.push_back(missing(!ap.candidate_ids.empty(), record_kind::candidate, ids[i]));
    else
      out.push_back({true, {}, explained_match_json(*scores[i], used)});
  }
  return out;
}

job_type bulk_analysis_type(context_ptr c) {
  job_type t;
  t.name = "bulk-analysis";
  t.group = "ingest";
  t.description = "one posting scored against candidate_ids (or every candidate), ranked, with explanations";
  t.plans_slowly = true;
  t.ranks_results = true;
  t.params_schema = object_schema(
      {{"posting_id", id_schema("the posting to score")},
       {"candidate_ids", ids_schema(c->ctx.max_items, "these candidates only; absent: every candidate")},
       {"profile", profile_schema()},
       {"batch_size", integer_schema(1, 10'000, 1000, "candidates per batch")}},
      {"posting_id"});
  t.validate = [c](const boost::json::object& p) {
    analysis_params ap;
    return parse(*c, p, ap);
  };
  t.plan = [c](const boost::json::object& p, const std::string&) {
    analysis_params ap;
    parse(*c, p, ap);
    auto plan = std::make_shared<job_plan>();
    auto posting = ask_for<std::string>(*c, c->ctx.marketplace, caf::get_atom::value, record_kind::posting, ap.posting_id);
    if (!posting && code_of(posting.error()) == errc::not_found) {
      plan->refused = fmt::format("params.posting_id: no posting {}", ap.posting_id);
      return std::shared_ptr<const job_plan>{std::move(plan)};
    }
    plan->item_keys = targets_of(*c, ap.candidate_ids, record_kind::candidate);
    plan->batch_size = ap.batch_size;
    plan->handle_batch = [c, ap](const std::vector<item_ref>& items) { return analyse(*c, ap, items); };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

// ---- compatibility -------------------------------------------------------------------------

struct compatibility_params {
  std::vector<std::string> pairs;  ///< "candidate_id/posting_id"
  std::string candidate_id;        ///< or: this candidate's stored matches
  std::string profile;
  std::int64_t batch_size = 100;
};

problem read_pairs(const boost::json::object& p, std::int64_t max_count, std::vector<std::string>& out) {
  auto it = p.find("pairs");
  if (it == p.end())
    return std::nullopt;
  const auto& v = it->value();
  if (!v.is_array() || v.as_array().empty() || static_cast<std::int64_t>(v.as_array().size()) > max_count)
    return fmt::format("params.pairs must be an array of 1 to {} {{\"candidate_id\",\"posting_id\"}} objects",
                       max_count);
  for (std::size_t i = 0; i < v.as_array().size(); ++i) {
    const auto& pair = v.as_array()[i];
    std::string candidate, posting;
    if (!pair.is_object())
      return fmt::format("params.pairs[{}] must be an object {{\"candidate_id\",\"posting_id\"}}", i);
    if (auto e = detail::only_known(pair.as_object(), {"candidate_id", "posting_id"}))
      return fmt::format("params.pairs[{}]: {}", i, *e);
    if (detail::read_id(pair.as_object(), "candidate_id", candidate) ||
        detail::read_id(pair.as_object(), "posting_id", posting))
      return fmt::format("params.pairs[{}] needs candidate_id and posting_id, each a record id", i);
    out.push_back(candidate + "/" + posting);
  }
  return std::nullopt;
}

problem parse(const shared_context& c, const boost::json::object& p, compatibility_params& out) {
  if (auto e = detail::only_known(p, {"pairs", "candidate_id", "profile", "batch_size"}))
    return e;
  if (auto e = read_pairs(p, c.ctx.max_items, out.pairs))
    return e;
  if (p.contains("candidate_id")) {
    if (auto e = detail::read_id(p, "candidate_id", out.candidate_id))
      return e;
  }
  if (out.pairs.empty() == out.candidate_id.empty())
    return "params: give either pairs or candidate_id";
  if (auto e = detail::read_profile(p, c.profiles, out.profile))
    return e;
  return detail::read_int(p, "batch_size", 1, 10'000, 100, out.batch_size);
}

// The posting ids of a stored `jobmesh match` line.
std::vector<std::string> stored_posting_ids(const std::string& line) {
  std::vector<std::string> out;
  auto doc = boost::json::parse(line);
  for (const auto& r : doc.at("results").as_array())
    out.emplace_back(r.at("id").as_string());
  return out;
}

// What compatibility says of a stored match whose posting no longer exists: skipped, saying
// why, as match-scores and bulk-analysis say of a record deleted after the job was planned.
std::string deleted_match_json(const std::string& posting_id) {
  return boost::json::serialize(boost::json::object{
      {"id", posting_id},
      {"skipped", fmt::format("the posting {} was deleted after match-scores stored this match", posting_id)}});
}

std::vector<item_outcome> explain_pairs(const shared_context& c, const compatibility_params& cp,
                                        const std::vector<item_ref>& items) {
  // One question to the shards per candidate in the batch.
  std::map<std::string, std::vector<std::size_t>> by_candidate;
  std::vector<std::string> postings(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto slash = items[i].key.find('/');
    by_candidate[std::string{items[i].key.substr(0, slash)}].push_back(i);
    postings[i] = std::string{items[i].key.substr(slash + 1)};
  }
  std::vector<match::factor> every;  // an explanation shows all ten factors, weighed or not
  for (std::size_t f = 0; f < match::k_factor_count; ++f)
    every.push_back(static_cast<match::factor>(f));
  std::vector<item_outcome> out(items.size());
  for (const auto& [candidate, positions] : by_candidate) {
    std::vector<std::string> targets;
    for (auto i : positions)
      targets.push_back(postings[i]);
    auto scores = ask_for<pair_scores>(c, c.ctx.marketplace, score_atom::value, record_kind::candidate, candidate,
                                       targets, cp.profile);
    if (!scores && code_of(scores.error()) != errc::not_found)
      throw std::runtime_error(message_of(scores.error()));
    for (std::size_t k = 0; k < positions.size(); ++k) {
      auto& o = out[positions[k]];
      if (!scores)
        o = {false, fmt::format("no candidate {}", candidate), {}, true};
      else if (!(*scores)[k] && !cp.candidate_id.empty())
        // A stored match whose posting was deleted since match-scores stored it: stale data,
        // not a failure of this job (and no reason to fail the others it explains).
        o = {true, {}, deleted_match_json(targets[k])};
      else if (!(*scores)[k])
        o = {false, fmt::format("no posting {}", targets[k]), {}, true};
      else
        o = {true, {}, explained_match_json(*(*scores)[k], every)};
    }
  }
  return out;
}

job_type compatibility_type(context_ptr c) {
  job_type t;
  t.name = "compatibility";
  t.group = "matching";
  t.depends_on = {"match-scores"};
  t.description = "every factor, matched and missing skills and distance for (candidate, posting) pairs, or for a "
                  "candidate's stored matches";
  t.plans_slowly = true;
  t.params_schema = object_schema(
      {{"pairs",
        {{"type", "array"},
         {"minItems", 1},
         {"maxItems", c->ctx.max_items},
         {"items", object_schema({{"candidate_id", id_schema("a candidate")}, {"posting_id", id_schema("a posting")}},
                                 {"candidate_id", "posting_id"})},
         {"description", "the pairs to explain (or candidate_id)"}}},
       {"candidate_id", id_schema("explain this candidate's matches as match-scores stored them (or pairs)")},
       {"profile", profile_schema()},
       {"batch_size", integer_schema(1, 10'000, 100, "pairs per batch")}},
      {});
  t.validate = [c](const boost::json::object& p) {
    compatibility_params cp;
    return parse(*c, p, cp);
  };
  t.plan = [c](const boost::json::object& p, const std::string&) {
    compatibility_params cp;
    parse(*c, p, cp);
    auto plan = std::make_shared<job_plan>();
    if (!cp.candidate_id.empty()) {
      auto stored = ask_for<storage::stored_matches>(*c, c->ctx.records, match_atom::value, cp.candidate_id, cp.profile);
      if (!stored && code_of(stored.error()) == errc::not_found) {
        plan->refused = message_of(stored.error());
        return std::shared_ptr<const job_plan>{std::move(plan)};
      }
      if (!stored)
        throw std::runtime_error(message_of(stored.error()));
      for (auto& posting : stored_posting_ids(stored->results))
        cp.pairs.push_back(cp.candidate_id + "/" + posting);
    }
    plan->item_keys = cp.pairs;
    plan->batch_size = cp.batch_size;
    plan->handle_batch = [c, cp](const std::vector<item_ref>& items) { return explain_pairs(*c, cp, items); };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

// ---- import-postings -----------------------------------------------------------------------

// API.md's default of 5 fetches at a time, within the config's cap.
std::int64_t default_parallel_workers(const config::imports_settings& imports) {
  return std::min<std::int64_t>(5, imports.max_parallel_workers);
}

struct import_params {
  std::vector<std::string> urls;
  std::string candidate_id;  ///< or: the detail pages of this candidate's matches
  std::string profile;
  double min_score = 60;
  std::int64_t top_k = 10;
  std::int64_t parallel_workers = 5;
};

bool is_web_url(std::string_view url) {
  return url.size() <= k_max_url_length && (url.starts_with("http://") || url.starts_with("https://")) &&
         url.find_first_of(" \t\r\n") == std::string_view::npos;
}

problem read_urls(const boost::json::object& p, std::int64_t max_count, std::vector<std::string>& out) {
  auto it = p.find("urls");
  if (it == p.end())
    return std::nullopt;
  const auto& v = it->value();
  if (!v.is_array() || v.as_array().empty() || static_cast<std::int64_t>(v.as_array().size()) > max_count)
    return fmt::format("params.urls must be an array of 1 to {} URLs", max_count);
  for (std::size_t i = 0; i < v.as_array().size(); ++i) {
    const auto& url = v.as_array()[i];
    if (!url.is_string() || !is_web_url(url.as_string()))
      return fmt::format("params.urls[{}] must be an http:// or https:// URL of at most {} characters", i,
                         k_max_url_length);
    out.emplace_back(url.as_string());
  }
  return std::nullopt;
}

problem parse(const shared_context& c, const boost::json::object& p, import_params& out) {
  if (auto e = detail::only_known(p, {"urls", "candidate_id", "profile", "min_score", "top_k", "parallel_workers"}))
    return e;
  if (auto e = read_urls(p, c.ctx.max_items, out.urls))
    return e;
  if (p.contains("candidate_id")) {
    if (auto e = detail::read_id(p, "candidate_id", out.candidate_id))
      return e;
  }
  if (out.urls.empty() == out.candidate_id.empty())
    return "params: give either urls or candidate_id";
  if (auto e = detail::read_profile(p, c.profiles, out.profile))
    return e;
  if (auto e = detail::read_number(p, "min_score", 0, 100, 60, out.min_score))
    return e;
  if (auto e = detail::read_int(p, "top_k", 1, 100, 10, out.top_k))
    return e;
  return detail::read_int(p, "parallel_workers", 1, c.ctx.imports.max_parallel_workers,
                          default_parallel_workers(c.ctx.imports), out.parallel_workers);
}

// A page holds NDJSON when it says so or its name does; otherwise one JSON record, made one
// line (match::one_line).
std::string as_lines(const fetched_page& page) {
  auto path = page.final_url.substr(0, page.final_url.find_first_of("?#"));
  if (page.content_type.find("ndjson") != std::string::npos || path.ends_with(".ndjson") || path.ends_with(".jsonl"))
    return page.body;
  return match::one_line(page.body);
}

std::string rejection_text(const ingest_reply& reply) {
  const auto& first = reply.rejected.front();
  auto text = fmt::format("bad record: line {}{}{}: {}", first.line, first.field.empty() ? "" : ", field ", first.field,
                          first.message);
  if (reply.rejected.size() > 1)
    text += fmt::format(" (and {} more bad lines)", reply.rejected.size() - 1);
  return text;
}

// A client error (404, 410, ...) answers the same again, as do too many redirects, a body over
// the limit, a URL that is not one and an address imports.private_addresses refuses (not tried
// again); a timeout, a refused connection, 408, 429 or a server's error may not.
item_outcome fetch_failed(const fetched_page& page) {
  bool client_error = page.status >= 400 && page.status < 500 && page.status != 408 && page.status != 429;
  return {false, page.error.empty() ? fmt::format("HTTP {}", page.status) : page.error, {},
          client_error || page.permanent};
}

item_outcome import_url(const shared_context& c, const std::string& url) {
  auto page = c.ctx.fetch(url, k_accept_records, c.ctx.imports);
  if (!page.ok)
    return fetch_failed(page);
  auto reply = ask<ingest_reply>(c, c.ctx.marketplace, ingest_atom::value, record_kind::posting, as_lines(page));
  boost::json::array ids;
  for (const auto& id : reply.ids)
    ids.emplace_back(id);
  auto result = fmt::format(R"({{"url":{},"status":{},"accepted":{},"rejected":{},"ids":{}}})",
                            json_string(page.final_url), page.status, reply.accepted, reply.rejected.size(),
                            boost::json::serialize(ids));
  if (!reply.rejected.empty()) {
    // The page's good lines are stored all the same (as an ingest takes them): say which.
    auto text = rejection_text(reply);
    if (!reply.ids.empty()) {
      constexpr std::size_t k_named = 5;
      std::vector<std::string> named(reply.ids.begin(), reply.ids.begin() + std::min(reply.ids.size(), k_named));
      text += reply.ids.size() == 1 ? std::string{"; its other posting was stored: "}
                                    : fmt::format("; its other {} postings were stored: ", reply.ids.size());
      text += fmt::format("{}{}", fmt::join(named, ", "), reply.ids.size() > k_named ? ", ..." : "");
    }
    return {false, std::move(text), result, true};
  }
  if (reply.accepted == 0)
    return {false, "the page held no posting", result, true};
  return {true, {}, result};
}

// Fetches the posting's `url` and stores the page on the posting as `detail`.
item_outcome import_detail(const shared_context& c, const std::string& posting_id) {
  auto stored = ask<std::string>(c, c.ctx.marketplace, caf::get_atom::value, record_kind::posting, posting_id);
  auto record = boost::json::parse(stored).as_object();
  auto it = record.find("url");
  if (it == record.end() || !it->value().is_string() || !is_web_url(it->value().as_string()))
    return {false, fmt::format("posting {} has no http(s) url field", posting_id), {}, true};
  std::string url{it->value().as_string()};
  auto page = c.ctx.fetch(url, k_accept_pages, c.ctx.imports);
  if (!page.ok)
    return fetch_failed(page);
  record["detail"] = {{"url", page.final_url},
                      {"status", page.status},
                      {"content_type", page.content_type},
                      {"fetched_at", format_time(now_ms())},  // API.md: times are RFC 3339 UTC strings
                      {"body", page.body}};
  auto reply =
      ask<ingest_reply>(c, c.ctx.marketplace, ingest_atom::value, record_kind::posting, json_text(record));
  if (!reply.rejected.empty())
    return {false, rejection_text(reply), {}, true};
  return {true, {},
          fmt::format(R"({{"posting_id":"{}","url":{},"status":{},"bytes":{}}})", posting_id,
                      json_string(page.final_url), page.status, page.body.size())};
}

job_type import_postings_type(context_ptr c) {
  job_type t;
  t.name = "import-postings";
  t.for_operators = true;
  t.group = "ingest";
  t.description = "fetches postings from urls (or the detail pages of a candidate's best matches, one per company), "
                  "parallel_workers at a time, and ingests them";
  t.plans_slowly = true;
  t.max_failed_ratio = 1;
  t.params_schema = object_schema(
      {{"urls",
        {{"type", "array"},
         {"items", {{"type", "string"}, {"pattern", "^https?://"}, {"maxLength", k_max_url_length}}},
         {"minItems", 1},
         {"maxItems", c->ctx.max_items},
         {"description", "pages that each answer one posting as JSON, or NDJSON (or candidate_id)"}}},
       {"candidate_id", id_schema("fetch the url field of this candidate's matches (or urls)")},
       {"profile", profile_schema()},
       {"min_score", score_schema(60, "matches scoring less are not fetched (with candidate_id)")},
       {"top_k", integer_schema(1, 100, 10, "matches fetched at most (with candidate_id)")},
       {"parallel_workers",
        integer_schema(1, c->ctx.imports.max_parallel_workers, default_parallel_workers(c->ctx.imports),
                       "fetches at a time (never more than items)")}},
      {});
  t.validate = [c](const boost::json::object& p) {
    import_params ip;
    return parse(*c, p, ip);
  };
  t.plan = [c](const boost::json::object& p, const std::string&) {
    import_params ip;
    parse(*c, p, ip);
    auto plan = std::make_shared<job_plan>();
    plan->batch_size = 1;
    plan->parallelism = ip.parallel_workers;
    if (!ip.urls.empty()) {
      plan->item_keys = ip.urls;
      plan->handle = [c](const item_ref& item) { return import_url(*c, std::string{item.key}); };
      return std::shared_ptr<const job_plan>{std::move(plan)};
    }
    match_options options{ip.profile, static_cast<int>(ip.top_k), ip.min_score, true, {}};
    auto matches =
        ask_for<match_reply>(*c, c->ctx.marketplace, match_atom::value, record_kind::candidate, ip.candidate_id, options);
    if (!matches && code_of(matches.error()) == errc::not_found) {
      plan->refused = fmt::format("params.candidate_id: no candidate {}", ip.candidate_id);
      return std::shared_ptr<const job_plan>{std::move(plan)};
    }
    if (!matches)
      throw std::runtime_error(message_of(matches.error()));
    for (const auto& m : matches->results)
      plan->item_keys.push_back(m.result.id);
    plan->handle = [c](const item_ref& item) { return import_detail(*c, std::string{item.key}); };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

}  // namespace

void add_matching_job_types(job_type_registry& registry, matching_job_context ctx) {
  auto shared = std::make_shared<shared_context>();
  shared->ctx = std::move(ctx);
  shared->profiles.add(shared->ctx.matching.profiles);  // config validation reported any problem
  registry.add(match_scores_type(shared));
  registry.add(compatibility_type(shared));
  registry.add(bulk_analysis_type(shared));
  if (shared->ctx.fetch)
    registry.add(import_postings_type(shared));
}

}  // namespace jobmesh::actors
