#include "actors/search_job_types.hpp"

#include "actors/detail/blocking_ask.hpp"
#include "actors/detail/params.hpp"
#include "actors/job_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace jobmesh::actors {

namespace {

using detail::problem;
using storage::record_kind;

using detail::k_ask_timeout;
constexpr std::size_t k_lookup_chunk = 5'000;
constexpr std::size_t k_sample = 5;

// Every skill's records, ids sorted, as the shards hold them when the job plans.
struct skill_records {
  std::vector<std::string> postings, candidates;
};

// Every record's skill set: `visit(kind, id, skills)` for each.
template <class Visit>
void each_skill_set(const search_job_context& c, Visit visit) {
  for (auto kind : {record_kind::posting, record_kind::candidate}) {
    auto ids = detail::blocking_ask_or_throw<std::vector<std::string>>(*c.system, k_ask_timeout, c.marketplace,
                                                                       ids_atom::value, kind);
    for (std::size_t at = 0; at < ids.size(); at += k_lookup_chunk) {
      std::vector<std::string> chunk(ids.begin() + static_cast<std::ptrdiff_t>(at),
                                     ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + k_lookup_chunk)));
      auto found = detail::blocking_ask_or_throw<prepared_lookup>(*c.system, k_ask_timeout, c.marketplace,
                                                                  caf::get_atom::value, kind, chunk);
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (!found[i])
          continue;  // deleted since the ids were read
        if (const auto* p = std::get_if<match::prepared_posting>(&*found[i]))
          visit(kind, chunk[i], p->skills);
        else
          visit(kind, chunk[i], std::get<match::prepared_candidate>(*found[i]).skills);
      }
    }
  }
}

boost::json::array first_ids(const std::vector<std::string>& ids) {
  boost::json::array out;
  for (std::size_t i = 0; i < std::min(k_sample, ids.size()); ++i)
    out.push_back(boost::json::string{ids[i]});
  return out;
}

struct batch_params {
  std::int64_t batch_size = 500;
  std::int64_t top = 10;
};

problem parse_batch(const boost::json::object& p, batch_params& out, bool with_top) {
  if (auto e = with_top ? detail::only_known(p, {"batch_size", "top"}) : detail::only_known(p, {"batch_size"}))
    return e;
  if (auto e = detail::read_int(p, "batch_size", 1, 10'000, 500, out.batch_size))
    return e;
  return with_top ? detail::read_int(p, "top", 1, 1000, 10, out.top) : std::nullopt;
}

// ---- skill-index ---------------------------------------------------------------------------

job_type skill_index_type(search_job_context c) {
  job_type t;
  t.name = "skill-index";
  t.for_operators = true;
  t.group = "search";
  t.description = "skill -> the candidates and postings naming it, stored; an item is a skill";
  t.plans_slowly = true;
  t.ranks_results = true;
  t.params_schema = object_schema({{"batch_size", integer_schema(1, 10'000, 500, "skills per batch (one write)")}}, {});
  t.validate = [](const boost::json::object& p) {
    batch_params bp;
    return parse_batch(p, bp, false);
  };
  t.plan = [c](const boost::json::object& p, const std::string& job_id) {
    batch_params bp;
    parse_batch(p, bp, false);
    auto index = std::make_shared<std::map<std::string, skill_records>>();
    each_skill_set(c, [&](record_kind kind, const std::string& id, const match::sorted_terms& skills) {
      for (const auto& skill : skills)
        ((*index)[std::string{skill}].*(kind == record_kind::posting ? &skill_records::postings : &skill_records::candidates))
            .push_back(id);
    });
    auto plan = std::make_shared<job_plan>();
    for (const auto& [skill, records] : *index)
      plan->item_keys.push_back(skill);
    plan->batch_size = bp.batch_size;
    plan->parallelism = 1;  // a write replaces the rows of other runs: one writer per run
    auto computed_at = now_ms();
    plan->handle_batch = [c, index, job_id, computed_at](const std::vector<item_ref>& items) {
      storage::skill_index_write write{job_id, computed_at, {}};
      std::vector<item_outcome> out;
      for (const auto& item : items) {
        std::string skill{item.key};
        const auto& records = index->at(skill);
        for (const auto& id : records.postings)
          write.entries.push_back({skill, "posting", id});
        for (const auto& id : records.candidates)
          write.entries.push_back({skill, "candidate", id});
        boost::json::object result{{"skill", skill},
                                   {"postings", records.postings.size()},
                                   {"candidates", records.candidates.size()},
                                   {"score", records.postings.size() + records.candidates.size()},
                                   {"sample", {{"postings", first_ids(records.postings)},
                                               {"candidates", first_ids(records.candidates)}}}};
        out.push_back({true, {}, json_text(result)});
      }
      storage::write_batch batch;
      batch.skill_index.push_back(std::move(write));
      detail::blocking_ask_or_throw<caf::ok_atom>(*c.system, k_ask_timeout, c.writer, write_atom::value, std::move(batch));
      return out;
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

// ---- skill-relationships -------------------------------------------------------------------

job_type skill_relationships_type(search_job_context c) {
  job_type t;
  t.name = "skill-relationships";
  t.for_operators = true;
  t.group = "search";
  t.description = "for each skill, the skills named with it in the same posting or candidate, with counts";
  t.plans_slowly = true;
  t.ranks_results = true;
  t.params_schema = object_schema({{"batch_size", integer_schema(1, 10'000, 500, "skills per batch (one write)")},
                                   {"top", integer_schema(1, 1000, 10, "related skills kept per skill")}},
                                  {});
  t.validate = [](const boost::json::object& p) {
    batch_params bp;
    return parse_batch(p, bp, true);
  };
  t.plan = [c](const boost::json::object& p, const std::string& job_id) {
    batch_params bp;
    parse_batch(p, bp, true);
    // Skills as numbers while counting: a pair is one 64-bit key.
    std::unordered_map<std::string, std::uint32_t> number_of;
    std::vector<std::string> name_of;
    std::unordered_map<std::uint64_t, std::int64_t> pairs;
    each_skill_set(c, [&](record_kind, const std::string&, const match::sorted_terms& skills) {
      std::vector<std::uint32_t> ns;
      for (const auto& s : skills) {
        auto [it, added] = number_of.emplace(s, static_cast<std::uint32_t>(name_of.size()));
        if (added)
          name_of.emplace_back(s);
        ns.push_back(it->second);
      }
      for (std::size_t i = 0; i < ns.size(); ++i)
        for (std::size_t j = 0; j < ns.size(); ++j)
          if (i != j)
            ++pairs[(std::uint64_t{ns[i]} << 32) | ns[j]];
    });
    // Per skill: every related skill with its count, most frequent first (then by name).
    auto related = std::make_shared<std::map<std::string, std::vector<storage::skill_pair>>>();
    for (const auto& name : name_of)
      (*related)[name];
    for (const auto& [key, count] : pairs)
      (*related)[name_of[key >> 32]].push_back({name_of[key >> 32], name_of[key & 0xffffffffu], count});
    auto totals = std::make_shared<std::map<std::string, std::int64_t>>();
    for (auto& [skill, list] : *related) {
      std::int64_t total = 0;
      for (const auto& r : list)
        total += r.count;
      (*totals)[skill] = total;
      std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return a.count != b.count ? a.count > b.count : a.related < b.related;
      });
      if (list.size() > static_cast<std::size_t>(bp.top))
        list.resize(static_cast<std::size_t>(bp.top));
    }
    auto plan = std::make_shared<job_plan>();
    for (const auto& [skill, list] : *related)
      plan->item_keys.push_back(skill);
    plan->batch_size = bp.batch_size;
    plan->parallelism = 1;
    auto computed_at = now_ms();
    plan->handle_batch = [c, related, totals, job_id, computed_at](const std::vector<item_ref>& items) {
      storage::skill_relationships_write write{job_id, computed_at, {}};
      std::vector<item_outcome> out;
      for (const auto& item : items) {
        std::string skill{item.key};
        boost::json::array list;
        for (const auto& r : related->at(skill)) {
          write.pairs.push_back(r);
          list.push_back({{"skill", r.related}, {"count", r.count}});
        }
        out.push_back({true, {}, json_text(boost::json::object{{"skill", skill},
                                                               {"score", totals->at(skill)},
                                                               {"related", std::move(list)}})});
      }
      storage::write_batch batch;
      batch.skill_relationships.push_back(std::move(write));
      detail::blocking_ask_or_throw<caf::ok_atom>(*c.system, k_ask_timeout, c.writer, write_atom::value, std::move(batch));
      return out;
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

}  // namespace

void add_search_job_types(job_type_registry& registry, search_job_context ctx) {
  registry.add(skill_index_type(ctx));
  registry.add(skill_relationships_type(ctx));
}

}  // namespace jobmesh::actors
