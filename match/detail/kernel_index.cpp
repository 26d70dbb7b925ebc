#include "match/detail/kernel_index.hpp"

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
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return ids[a] < ids[b]; });
  std::vector<std::uint32_t> rank(ids.size());
  for (std::uint32_t r = 0; r < order.size(); ++r)
    rank[order[r]] = r;
  return rank;
}

// Skills are interned across both sides first, so both bitsets share one width.
void intern_skills(interners& in, std::span<const prepared_posting* const> ps,
                   std::span<const prepared_candidate* const> cs) {
  for (const auto* p : ps)
    for (const auto& s : p->skills)
      in.skill.id(s);
  for (const auto* c : cs)
    for (const auto& s : c->skills)
      in.skill.id(s);
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

double inverse(double x) {
  return x == 0 ? 0.0 : 1.0 / x;
}

// Word ids while building (new words get new ids) and while encoding an outside record.
const auto k_add_word = [](interner& i, const std::string& w) { return i.id(w); };
const auto k_find_word = [](const interner& i, const std::string& w) { return i.find(w); };

// Fills `p` (sized with `x`'s bitset widths) from `ps` in stored order `order`; `id` gives word ids.
template <class Interners, class WordId>
void fill_postings(const kernel_index& x, posting_columns& p, Interners& in, WordId id,
                   std::span<const prepared_posting* const> ps, const std::vector<std::uint32_t>& order) {
  auto n = ps.size();
  p.skill_bits.assign(n * x.skill_words, 0);
  p.physical_of_input.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = *ps[order[i]];
    p.physical_of_input[order[i]] = static_cast<std::uint32_t>(i);
    p.input_of_physical.push_back(order[i]);
    p.ids.push_back(r.id);
    p.company.push_back(id(in.company, r.company));
    p.category.push_back(id(in.category, r.category));
    p.industry.push_back(id(in.industry, r.industry));
    p.subcategory.push_back(id(in.subcategory, r.subcategory));
    p.country.push_back(id(in.country, r.country));
    p.city.push_back(id(in.city, r.city));
    p.remote.push_back(r.mode == work_mode::remote);
    p.has_coordinates.push_back(r.coordinates.has_value());
    p.unit.push_back(unit_vector(r.coordinates));
    p.lat.push_back(r.coordinates ? r.coordinates->lat : 0);
    p.lon.push_back(r.coordinates ? r.coordinates->lon : 0);
    p.skill_count.push_back(static_cast<std::uint32_t>(r.skills.size()));
    for (const auto& s : r.skills)
      set_bit(p.skill_bits, i, x.skill_words, id(in.skill, s));
    p.level.push_back(r.level);
    p.level_code.push_back(static_cast<std::uint8_t>(r.level));
    p.min_years.push_back(r.min_years);
    p.salary_max.push_back(r.salary_max);
    p.inv_min_years.push_back(inverse(r.min_years));
    p.inv_salary_max.push_back(inverse(r.salary_max));
    p.mode.push_back(static_cast<std::uint8_t>(r.mode));
    p.employment.push_back(static_cast<std::uint8_t>(r.employment));
    p.country_text.push_back(r.country);
    p.category_text.push_back(r.category);
  }
  p.id_rank = byte_order_ranks(p.ids);
}

template <class Interners, class WordId>
void fill_candidates(const kernel_index& x, candidate_columns& c, Interners& in, WordId id,
                     std::span<const prepared_candidate* const> cs) {
  auto n = cs.size();
  c.skill_bits.assign(n * x.skill_words, 0);
  c.category_bits.assign(n * x.category_words, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = *cs[i];
    c.ids.push_back(r.id);
    c.industry.push_back(id(in.industry, r.industry));
    c.subcategory.push_back(id(in.subcategory, r.subcategory));
    c.country.push_back(id(in.country, r.country));
    c.city.push_back(id(in.city, r.city));
    c.has_coordinates.push_back(r.coordinates.has_value());
    c.unit.push_back(unit_vector(r.coordinates));
    c.lat.push_back(r.coordinates ? r.coordinates->lat : 0);
    c.lon.push_back(r.coordinates ? r.coordinates->lon : 0);
    c.max_distance_km.push_back(r.max_distance_km);
    c.skill_count.push_back(static_cast<std::uint32_t>(r.skills.size()));
    for (const auto& s : r.skills)
      set_bit(c.skill_bits, i, x.skill_words, id(in.skill, s));
    for (const auto& cat : r.preferred_categories)
      set_bit(c.category_bits, i, x.category_words, id(in.category, cat));
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
  const auto& bits = x.p.skill_bits;
  x.category_skills.assign(x.category_range.size(), {});
  x.p.local_skills.assign(x.p.ids.size(), 0);
  std::vector<std::uint32_t> required(words * 64, 0);
  std::vector<std::int8_t> local_bit(words * 64, -1);
  auto each_skill = [&](std::uint32_t posting, auto f) {
    for (std::size_t w = 0; w < words; ++w)
      for (auto word = bits[posting * words + w]; word != 0; word &= word - 1)
        f(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(word))));
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
  intern_skills(in, postings, candidates);
  // Categories named by either side get ids before any bitset is sized.
  std::vector<std::uint32_t> category_of(postings.size());
  for (std::size_t i = 0; i < postings.size(); ++i)
    category_of[i] = in.category.id(postings[i]->category);
  for (const auto* c : candidates)
    for (const auto& cat : c->preferred_categories)
      in.category.id(cat);
  x.skill_words = words_for(in.skill.size());
  x.category_words = words_for(in.category.size());
  auto order = stable_order_by(category_of, in.category.size());
  fill_postings(x, x.p, in, k_add_word, postings, order);
  fill_candidates(x, x.c, in, k_add_word, candidates);
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
  x.p.retired.assign(x.p.ids.size(), 0);
  x.c.retired.assign(x.c.ids.size(), 0);
  x.words = std::move(in);
  return x;
}

candidate_columns encode(const kernel_index& x, const prepared_candidate& c) {
  candidate_columns out;
  const prepared_candidate* one[] = {&c};
  fill_candidates(x, out, x.words, k_find_word, one);
  return out;
}

posting_columns encode(const kernel_index& x, const prepared_posting& p) {
  posting_columns out;
  const prepared_posting* one[] = {&p};
  fill_postings(x, out, x.words, k_find_word, one, {0});
  return out;
}

}  // namespace jobmesh::match::detail
