#include "match/detail/kernel_index.hpp"

#include "match/detail/memory.hpp"

#include "match/detail/threads.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <numeric>

namespace jobmesh::match::detail {

namespace {

std::array<double, 3> unit_vector(const std::optional<geo_point>& g) {
  if (!g)
    return {0, 0, 0};
  constexpr double rad = std::numbers::pi / 180.0;
  double lat = g->lat * rad, lon = g->lon * rad;
  return {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
}

std::size_t words_for(std::size_t bits) {
  return std::max<std::size_t>(1, (bits + 63) / 64);
}

// A word unknown to the index (interner::k_unknown) has no bit: it matches nothing stored.
void set_bit(std::vector<std::uint64_t>& bits, std::size_t row, std::size_t words, std::uint32_t bit) {
  if (bit / 64 < words)
    bits[row * words + bit / 64] |= std::uint64_t{1} << (bit % 64);
}

std::vector<std::uint32_t> byte_order_ranks(const std::vector<std::string>& ids) {
  std::vector<std::uint32_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0u);
  if (std::is_sorted(ids.begin(), ids.end()))  // as read from a file sorted by id: each its own rank
    return order;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return ids[a] < ids[b]; });
  std::vector<std::uint32_t> rank(ids.size());
  for (std::uint32_t r = 0; r < order.size(); ++r)
    rank[order[r]] = r;
  return rank;
}

// Positions 0..n-1 ordered by `key` (ids below `keys`), stable: a counting sort, one pass each way.
std::vector<std::uint32_t> stable_order_by(const std::vector<std::uint32_t>& key, std::size_t keys) {
  std::vector<std::uint32_t> next(keys + 1, 0);
  for (auto k : key)
    ++next[k + 1];
  std::partial_sum(next.begin(), next.end(), next.begin());
  std::vector<std::uint32_t> order(key.size());
  for (std::uint32_t i = 0; i < key.size(); ++i)
    order[next[key[i]]++] = i;
  return order;
}

float inverse(double x) {
  return x == 0 ? 0.0f : static_cast<float>(1.0 / x);
}

// Word ids while building (new words get new ids) and while encoding an outside record.
const auto k_add_word = [](interner& i, auto w) { return i.id(w); };
const auto k_find_word = [](const interner& i, auto w) { return i.find(w); };

// The word ids of records, in input order. They are looked up in one pass over the records as
// they lie in memory: the columns are filled in the postings' stored order (by category),
// and looking words up in that order took a cache miss per record (most of a build's time).
struct word_ids {
  std::vector<std::uint32_t> company, category, industry, subcategory, country, city;
  std::vector<std::uint32_t> skill_begin{0};  ///< record i's skills: skills[skill_begin[i], skill_begin[i + 1])
  std::vector<std::uint32_t> skills;
  std::vector<std::uint32_t> preferred_begin{0};  ///< candidates' preferred categories, as skills
  std::vector<std::uint32_t> preferred;
};

template <class Record, class Interners, class WordId>
void find_skills(std::span<const Record* const> rs, Interners& in, WordId id, word_ids& out) {
  reserve_populated(rs.size() + 1, out.skill_begin);
  for (const auto* r : rs) {
    for (auto s : r->skills.words())
      out.skills.push_back(id(in.skill, s));
    out.skill_begin.push_back(static_cast<std::uint32_t>(out.skills.size()));
  }
}

template <class Interners, class WordId>
void find_words(std::span<const prepared_posting* const> ps, Interners& in, WordId id, word_ids& out) {
  reserve_populated(ps.size(), out.company, out.category, out.industry, out.subcategory, out.country, out.city);
  for (const auto* p : ps) {
    out.category.push_back(id(in.category, p->category));
    out.company.push_back(id(in.company, p->company));
    out.industry.push_back(id(in.industry, p->industry));
    out.subcategory.push_back(id(in.subcategory, p->subcategory));
    out.country.push_back(id(in.country, p->country));
    out.city.push_back(id(in.city, p->city));
  }
}

template <class Interners, class WordId>
void find_words(std::span<const prepared_candidate* const> cs, Interners& in, WordId id, word_ids& out) {
  for (const auto* c : cs) {
    out.industry.push_back(id(in.industry, c->industry));
    out.subcategory.push_back(id(in.subcategory, c->subcategory));
    out.country.push_back(id(in.country, c->country));
    out.city.push_back(id(in.city, c->city));
    for (const auto& cat : c->preferred_categories)
      out.preferred.push_back(id(in.category, cat));
    out.preferred_begin.push_back(static_cast<std::uint32_t>(out.preferred.size()));
  }
}

// Fills `p` from `ps` in stored order `order`; `w`: their word ids. A large index is filled on
// every core, each thread a range of stored positions in every column: filled on one thread,
// 1M postings took ~0.95 s of `jobmesh match`'s ~1.1 s index build, about a third of it
// faulting in the columns' ~180 MB of fresh memory.
void fill_postings(posting_columns& p, const word_ids& w,
                   std::span<const prepared_posting* const> ps, const std::vector<std::uint32_t>& order) {
  constexpr std::size_t k_smallest_share = 50'000;
  auto n = ps.size();
  auto threads = thread_count(0, n, k_smallest_share);
  // Where each posting's skills begin among the stored ones, in stored order (a skill no stored
  // record has matches nothing and is left out).
  auto known_skills = [&](std::uint32_t in) {
    std::uint32_t known = 0;
    for (auto k = w.skill_begin[in]; k < w.skill_begin[in + 1]; ++k)
      known += w.skills[k] != interner::k_unknown ? 1 : 0;
    return known;
  };
  resize_all_populated(n + 1, threads, p.skill_begin);
  for (std::size_t i = 0; i < n; ++i)
    p.skill_begin[i + 1] = p.skill_begin[i] + known_skills(order[i]);
  // Each column faults its memory in at once (a page at a time as it grows was a third of a
  // build on this VM, where a page fault is a trip through the hypervisor).
  resize_all_populated(p.skill_begin[n], threads, p.skill_ids);
  resize_all_populated(n, threads, p.physical_of_input, p.input_of_physical, p.ids, p.company, p.category, p.industry,
                       p.subcategory, p.country, p.city, p.remote, p.has_coordinates, p.unit, p.lat, p.lon,
                       p.skill_count, p.terms, p.level_code, p.narrow_skill_count, p.min_half_years,
                       p.inv_salary_max_high, p.mode, p.employment);
  run_on_threads(threads, [&](unsigned t) {
    for (auto i = n * t / threads; i < n * (t + 1) / threads; ++i) {
      auto in = order[i];
      const auto& r = *ps[in];
      p.physical_of_input[in] = static_cast<std::uint32_t>(i);
      p.input_of_physical[i] = in;
      p.ids[i] = r.id;
      p.company[i] = w.company[in];
      p.category[i] = w.category[in];
      p.industry[i] = w.industry[in];
      p.subcategory[i] = w.subcategory[in];
      p.country[i] = w.country[in];
      p.city[i] = w.city[in];
      p.remote[i] = r.mode == work_mode::remote;
      p.has_coordinates[i] = r.coordinates.has_value();
      p.unit[i] = unit_vector(r.coordinates);
      p.lat[i] = r.coordinates ? r.coordinates->lat : 0;
      p.lon[i] = r.coordinates ? r.coordinates->lon : 0;
      p.skill_count[i] = w.skill_begin[in + 1] - w.skill_begin[in];
      p.narrow_skill_count[i] =
          static_cast<std::uint8_t>(std::min<std::uint32_t>(p.skill_count[i], posting_columns::k_many_skills));
      auto out = p.skill_begin[i];
      for (auto k = w.skill_begin[in]; k < w.skill_begin[in + 1]; ++k)
        if (w.skills[k] != interner::k_unknown)
          p.skill_ids[out++] = w.skills[k];
      p.terms[i] = {static_cast<double>(r.level), r.min_years, r.salary_max, w.category[in], 0};
      p.level_code[i] = static_cast<std::uint8_t>(r.level);
      p.min_half_years[i] = static_cast<std::uint8_t>(std::min(255.0, std::floor(r.min_years * 2)));
      p.inv_salary_max_high[i] = static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(inverse(r.salary_max)) >> 16);
      p.mode[i] = static_cast<std::uint8_t>(r.mode);
      p.employment[i] = static_cast<std::uint8_t>(r.employment);
    }
  });
  // Stored by category, the ids are out of byte order even when they came in it (a generated
  // file, an export sorted by id): then each one's rank is its input position, and the sort of
  // 1M ids (~0.13 s of jobmesh match's index build) is not needed.
  bool came_in_order = std::is_sorted(ps.begin(), ps.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
  p.id_rank = came_in_order ? p.input_of_physical : byte_order_ranks(p.ids);
  for (std::size_t i = 0; i < n; ++i)
    p.terms[i].id_rank = p.id_rank[i];
}

void fill_candidates(const kernel_index& x, candidate_columns& c, const word_ids& w,
                     std::span<const prepared_candidate* const> cs) {
  auto n = cs.size();
  reserve_populated(n + 1, c.skill_begin);
  c.skill_ids.reserve(w.skills.size());
  c.skill_begin.push_back(0);
  zeros_populated(c.category_bits, n * x.category_words);
  reserve_populated(n, c.ids, c.industry, c.subcategory, c.country, c.city, c.has_coordinates, c.unit, c.lat, c.lon,
                    c.max_distance_km, c.skill_count, c.level, c.years, c.expected_salary, c.activity, c.rating,
                    c.track_record);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = *cs[i];
    c.ids.push_back(r.id);
    c.industry.push_back(w.industry[i]);
    c.subcategory.push_back(w.subcategory[i]);
    c.country.push_back(w.country[i]);
    c.city.push_back(w.city[i]);
    c.has_coordinates.push_back(r.coordinates.has_value());
    c.unit.push_back(unit_vector(r.coordinates));
    c.lat.push_back(r.coordinates ? r.coordinates->lat : 0);
    c.lon.push_back(r.coordinates ? r.coordinates->lon : 0);
    c.max_distance_km.push_back(r.max_distance_km);
    c.skill_count.push_back(w.skill_begin[i + 1] - w.skill_begin[i]);
    for (auto k = w.skill_begin[i]; k < w.skill_begin[i + 1]; ++k)
      if (w.skills[k] != interner::k_unknown)  // it matches nothing stored
        c.skill_ids.push_back(w.skills[k]);
    c.skill_begin.push_back(static_cast<std::uint32_t>(c.skill_ids.size()));
    for (auto k = w.preferred_begin[i]; k < w.preferred_begin[i + 1]; ++k)
      set_bit(c.category_bits, i, x.category_words, w.preferred[k]);
    c.level.push_back(r.level);
    c.years.push_back(r.years_experience);
    c.expected_salary.push_back(r.expected_salary);
    c.activity.push_back(r.engagement);
    c.rating.push_back(r.review_count == 0 ? 0.5 : r.rating / 5.0);
    c.track_record.push_back(static_cast<double>(std::min<std::int64_t>(r.completed_jobs, 20)) / 20.0);
  }
  c.id_rank = byte_order_ranks(c.ids);
}

// Each category's most required skills (at most 64, most often first, ties by id) and every
// posting's skills among its category's as bits.
void index_category_skills(kernel_index& x) {
  const auto words = x.skill_words;
  const auto& p = x.p;
  x.category_skills.assign(x.category_range.size(), {});
  zeros_populated(x.p.local_skills, x.p.ids.size());
  std::vector<std::uint32_t> required(words * 64, 0);
  std::vector<std::int8_t> local_bit(words * 64, -1);
  auto each_skill = [&](std::uint32_t posting, auto f) {
    for (auto k = p.skill_begin[posting]; k < p.skill_begin[posting + 1]; ++k)
      f(p.skill_ids[k]);
  };
  for (std::size_t cat = 0; cat < x.category_range.size(); ++cat) {
    auto [b, e] = x.category_range[cat];
    if (b == e)
      continue;
    std::fill(required.begin(), required.end(), 0u);
    for (auto i = b; i < e; ++i)
      each_skill(i, [&](std::uint32_t s) { ++required[s]; });
    std::vector<std::uint32_t> seen;
    for (std::uint32_t s = 0; s < required.size(); ++s)
      if (required[s] > 0)
        seen.push_back(s);
    auto kept = std::min<std::size_t>(seen.size(), 64);
    std::partial_sort(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(kept), seen.end(),
                      [&](auto a, auto c) { return required[a] != required[c] ? required[a] > required[c] : a < c; });
    seen.resize(kept);
    for (std::size_t k = 0; k < kept; ++k)
      local_bit[seen[k]] = static_cast<std::int8_t>(k);
    for (auto i = b; i < e; ++i)
      each_skill(i, [&](std::uint32_t s) {
        if (local_bit[s] >= 0)
          x.p.local_skills[i] |= std::uint64_t{1} << local_bit[s];
      });
    for (auto s : seen)
      local_bit[s] = -1;
    x.category_skills[cat] = std::move(seen);
  }
}

}  // namespace

kernel_index build_index(std::span<const prepared_posting* const> postings,
                         std::span<const prepared_candidate* const> candidates) {
  kernel_index x;
  interners in;
  word_ids posting_words, candidate_words;
  // Skills on one thread, the other words on another (each interner is used by one of them).
  constexpr std::size_t k_smallest_split = 20'000;
  auto find = [&](unsigned part) {
    if (part == 0) {
      find_skills(postings, in, k_add_word, posting_words);
      find_skills(candidates, in, k_add_word, candidate_words);
    } else {
      find_words(postings, in, k_add_word, posting_words);
      find_words(candidates, in, k_add_word, candidate_words);
    }
  };
  if (postings.size() + candidates.size() >= k_smallest_split && thread_count(0) > 1) {
    run_on_threads(2, find);
  } else {
    find(0);
    find(1);
  }
  x.skill_words = words_for(in.skill.size());
  x.category_words = words_for(in.category.size());
  auto order = stable_order_by(posting_words.category, in.category.size());
  fill_postings(x.p, posting_words, postings, order);
  fill_candidates(x, x.c, candidate_words, candidates);
  x.company_count = in.company.size();
  x.category_range.assign(in.category.size(), {0, 0});
  for (std::uint32_t i = 0; i < x.p.ids.size();) {
    auto cat = x.p.category[i];
    auto j = i;
    while (j < x.p.ids.size() && x.p.category[j] == cat)
      ++j;
    x.category_range[cat] = {i, j};
    i = j;
  }
  index_category_skills(x);
  auto by_rank = [](const std::vector<std::uint32_t>& rank) {
    std::vector<std::uint32_t> out(rank.size());
    for (std::uint32_t i = 0; i < rank.size(); ++i)
      out[rank[i]] = i;
    return out;
  };
  x.p.by_id = by_rank(x.p.id_rank);
  x.c.by_id = by_rank(x.c.id_rank);
  zeros_populated(x.p.retired, x.p.ids.size());
  zeros_populated(x.c.retired, x.c.ids.size());
  x.words = std::move(in);
  return x;
}

candidate_columns encode(const kernel_index& x, const prepared_candidate& c) {
  candidate_columns out;
  const prepared_candidate* one[] = {&c};
  word_ids w;
  find_skills(std::span<const prepared_candidate* const>{one}, x.words, k_find_word, w);
  find_words(std::span<const prepared_candidate* const>{one}, x.words, k_find_word, w);
  fill_candidates(x, out, w, one);
  return out;
}

posting_columns encode(const kernel_index& x, const prepared_posting& p) {
  posting_columns out;
  const prepared_posting* one[] = {&p};
  word_ids w;
  find_skills(std::span<const prepared_posting* const>{one}, x.words, k_find_word, w);
  find_words(std::span<const prepared_posting* const>{one}, x.words, k_find_word, w);
  fill_postings(out, w, one, {0});
  return out;
}

}  // namespace jobmesh::match::detail
