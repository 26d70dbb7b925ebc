#include "match/detail/kernel_scan.hpp"

#include "match/reference.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <experimental/simd>
#include <limits>

namespace jobmesh::match::detail {

namespace {

namespace stdx = std::experimental;
/// k_group bounds: GCC does not vectorise a loop that asks whether any of them reaches the cut.
using bound_group = stdx::fixed_size_simd<float, scanner::k_group>;

constexpr double k_earth_radius_km = 6371.0088;
// Pass 1 adds factors in another order and with other operations than `combine` (reciprocals
// for divisions); a bound is trusted to keep a target out only with this much room, in key
// units (1e-9 score points).
constexpr double k_slack = 1e-3;
// The first pass over postings (direction candidate) sums floats: ~7 significant digits of
// scores up to 100, so a bound may fall short of its double by ~1e-5 points. It keeps a
// target out only with 1e-3 points (1e3 key units) of room.
constexpr double k_float_slack = 1e3;

double weight(const query& q, factor f) {
  return 100.0 * q.prof->weights[static_cast<std::size_t>(f)];
}

bool uses(const query& q, factor f) {
  return q.prof->weights[static_cast<std::size_t>(f)] > 0;
}

// bound[j] += w * f(j): one branch-free loop per factor, which the compiler vectorises.
template <class F>
void add_column(std::vector<double>& bound, double w, F f) {
  const auto n = bound.size();
  double* b = bound.data();
  for (std::size_t j = 0; j < n; ++j)
    b[j] += w * f(j);
}

// A word this index never saw (an outside source's) has an id past every bitset: no bit.
bool has_bit(const std::vector<std::uint64_t>& bits, std::size_t row, std::size_t words, std::uint32_t bit) {
  return bit / 64 < words && ((bits[row * words + bit / 64] >> (bit % 64)) & 1u);
}

double skills_bound(std::uint32_t a, std::uint32_t b) {
  auto lo = std::min(a, b), hi = std::max(a, b);
  return hi == 0 ? 0.0 : static_cast<double>(lo) / static_cast<double>(hi);
}

double experience(double years, double min_years) {
  return min_years == 0 ? 1.0 : std::min(1.0, years / min_years);
}

double salary(double expected, double salary_max) {
  if (salary_max == 0 || expected <= salary_max)
    return 1.0;
  return std::max(0.0, 1.0 - (expected - salary_max) / salary_max);
}

// Chord length <= arc length, so 1 - chord / max_distance bounds the location factor from above.
double chord_bound(const std::array<double, 3>& u, const std::array<double, 3>& v, double max_distance) {
  double dx = u[0] - v[0], dy = u[1] - v[1], dz = u[2] - v[2];
  return std::max(0.0, 1.0 - k_earth_radius_km * std::sqrt(dx * dx + dy * dy + dz * dz) / max_distance);
}

double place_match(std::uint32_t country_a, std::uint32_t country_b, std::uint32_t city_a, std::uint32_t city_b) {
  if (country_a == 0 || country_a != country_b)
    return 0.0;
  return city_a != 0 && city_a == city_b ? 1.0 : 0.5;
}

double industry_match(std::uint32_t ind_a, std::uint32_t ind_b, std::uint32_t sub_a, std::uint32_t sub_b) {
  if (ind_a == 0 || ind_a != ind_b)
    return 0.0;
  return sub_a == sub_b ? 1.0 : 0.5;
}

}  // namespace

scanner::scanner(const kernel_index& x, const query& q, scan_buffers& buffers)
    : scanner(x, x.p, x.c, q, buffers) {}

scanner::scanner(const kernel_index& x, const query& q, scan_buffers& buffers, const candidate_columns& source)
    : scanner(x, x.p, source, q, buffers) {}

scanner::scanner(const kernel_index& x, const query& q, scan_buffers& buffers, const posting_columns& source)
    : scanner(x, source, x.c, q, buffers) {}

// A scan that ended by an exception may have left entries and company slots behind.
scanner::scanner(const kernel_index& x, const posting_columns& p, const candidate_columns& c, const query& q,
                 scan_buffers& buffers)
    : x_(x), p_(p), c_(c), q_(q), min_key_(rank_key(q.min_score)), bound_(buffers.bound), range_bound_(buffers.range_bound),
      seeds_(buffers.seeds), heap_(buffers.heap),
      company_best_(buffers.company_best), touched_companies_(buffers.touched_companies),
      source_skills_(buffers.source_skills), country_(q.filters.country ? x.words.country.find(*q.filters.country) : 0),
      category_(q.filters.category ? x.words.category.find(*q.filters.category) : 0) {
  heap_.clear();
  for (auto company : touched_companies_)
    company_best_[company] = -1;
  touched_companies_.clear();
  if (company_best_.size() < x.company_count)
    company_best_.resize(x.company_count, -1);
  source_skills_.assign(x.skill_words, 0);
}

// Unchecked: every id tested is a target's, from the index's vocabulary (lists leave out words
// the index never saw), and the bits cover the vocabulary.
bool scanner::source_has(std::uint32_t id) const {
  return (source_skills_[id / 64] >> (id % 64)) & 1u;
}

void scanner::mark_source_skills(const std::vector<std::uint32_t>& begin, const std::vector<std::uint32_t>& ids,
                                 std::size_t row, bool on) {
  for (auto k = begin[row]; k < begin[row + 1]; ++k) {
    auto id = ids[k];  // an id of the index's vocabulary: lists leave unknown words out
    if (on)
      source_skills_[id / 64] |= std::uint64_t{1} << (id % 64);
    else
      source_skills_[id / 64] = 0;
  }
}

// Column loops over stored postings [b, e) of one category, at most k_chunk of them (so the
// category factor is the constant `fixed`, with the candidate-only factors): one short loop per
// factor the profile uses, each over one or two columns and `bound` (all in the L1 cache), so
// the compiler vectorises them and a profile pays only for its own factors. Skills are bounded
// (exact when either side has no skill outside the category's most required, see add_skills).
// The sums are floats, with reciprocals for divisions and in another order than `combine`:
// k_float_slack covers that.
void scanner::bound_range(std::size_t ci, const local_skill_set& mine, std::uint32_t b, std::uint32_t e,
                          float fixed, float* bound) const {
  const auto& p = p_;
  const auto& c = c_;
  const std::size_t n = e - b;
  // A retired posting is bounded as any other and skipped where its bound passes (rarely):
  // its flag is not one more column to read for every posting.
  std::fill_n(bound, n, fixed);
  if (uses(q_, factor::industry)) {
    const auto w = static_cast<float>(weight(q_, factor::industry));
    const auto ind_c = c.industry[ci], sub_c = c.subcategory[ci];
    const auto* ind = p.industry.data() + b;
    const auto* sub = p.subcategory.data() + b;
    for (std::size_t j = 0; j < n; ++j)
      bound[j] += ind[j] != 0 && ind[j] == ind_c ? (sub[j] == sub_c ? w : 0.5f * w) : 0.0f;
  }
  if (uses(q_, factor::skills))
    add_skills(ci, mine, b, e, bound);
  if (uses(q_, factor::experience)) {
    const auto w = static_cast<float>(weight(q_, factor::experience));
    const auto half_years = static_cast<float>(c.years[ci] * 2);
    // min_years below half a year counts as 0 (the factor is 1), otherwise rounded down to a
    // half year: a factor at least the posting's. No choice around the division (never by 0),
    // which GCC would not vectorise.
    const auto* q = p.min_half_years.data() + b;
    for (std::size_t j = 0; j < n; ++j) {
      auto halves = static_cast<float>(q[j]);
      auto none = halves == 0 ? 1.0f : 0.0f;
      bound[j] += w * std::min(1.0f, std::max(half_years / std::max(halves, 1.0f), none));
    }
  }
  if (uses(q_, factor::seniority)) {
    const auto w = static_cast<float>(weight(q_, factor::seniority));
    const auto level = static_cast<float>(c.level[ci]);
    const auto* lv = p.level_code.data() + b;
    for (std::size_t j = 0; j < n; ++j)
      bound[j] += w * (1.0f - std::abs(level - static_cast<float>(lv[j])) * 0.25f);
  }
  if (uses(q_, factor::salary)) {
    // With s = salary_max > 0 the factor is min(1, max(0, 2 - expected / s)).
    const auto w = static_cast<float>(weight(q_, factor::salary));
    const auto expected = static_cast<float>(c.expected_salary[ci]);
    const auto* high = p.inv_salary_max_high.data() + b;  // 0 where salary_max is 0: the factor is 1
    for (std::size_t j = 0; j < n; ++j) {
      auto inv = std::bit_cast<float>(std::uint32_t{high[j]} << 16);
      bound[j] += inv == 0 ? w : w * std::clamp(2.0f - expected * inv, 0.0f, 1.0f);
    }
  }
  if (uses(q_, factor::location)) {
    const double w = weight(q_, factor::location);
    for (std::uint32_t j = b; j < e; ++j) {
      double by_place = place_match(p.country[j], c.country[ci], p.city[j], c.city[ci]);
      double by_distance = chord_bound(p.unit[j], c.unit[ci], c.max_distance_km[ci]);
      double located = p.has_coordinates[j] && c.has_coordinates[ci] ? by_distance : by_place;
      bound[j - b] += static_cast<float>(w * (p.remote[j] ? 1.0 : located));
    }
  }
}

scanner::local_skill_set scanner::local_skills_of(std::size_t ci, std::uint32_t category) const {
  const auto& skills = x_.category_skills[category];
  local_skill_set mine;
  for (std::size_t k = 0; k < skills.size(); ++k)  // ci is the source
    if (source_has(skills[k]))
      mine.bits |= std::uint64_t{1} << k;
  mine.others = c_.skill_count[ci] - static_cast<std::uint32_t>(std::popcount(mine.bits));
  return mine;
}

// Skills in common, bounded from above from the bits among the category's skills (exact) and
// the others' counts: a skill outside them can be in common only with another such skill.
// Equal to the exact Jaccard when either side has no skill outside them.
void scanner::add_skills(std::size_t ci, const local_skill_set& mine, std::uint32_t b, std::uint32_t e,
                         float* bound) const {
  const std::uint32_t n_c = c_.skill_count[ci];
  const auto w = static_cast<float>(weight(q_, factor::skills));
  const std::size_t n = e - b;
  const auto* local = p_.local_skills.data() + b;
  const auto* count = p_.narrow_skill_count.data() + b;
  for (std::size_t j = 0; j < n; ++j) {
    auto theirs = static_cast<std::uint32_t>(std::popcount(local[j]));
    // A count of k_many_skills or more: its other skills may be as many as the candidate's.
    auto their_others = count[j] == posting_columns::k_many_skills ? mine.others : count[j] - theirs;
    auto common =
        static_cast<std::uint32_t>(std::popcount(mine.bits & local[j])) + std::min(their_others, mine.others);
    // common <= min(n_c, count[j]) (or count[j] is k_many_skills, more than common), so
    // both - i >= 1 unless both sets are empty (then i = 0): no branch, so the loop vectorises.
    auto i = static_cast<float>(common), both = static_cast<float>(n_c + count[j]);
    bound[j] += w * (i / std::max(both - i, 1.0f));
  }
}

void scanner::bound_candidates_for(std::size_t pi) {
  const auto& p = p_;
  const auto& c = c_;
  bound_.assign(c.ids.size(), 0.0);
  if (uses(q_, factor::location))
    add_column(bound_, weight(q_, factor::location), [&](std::size_t j) {
      double by_place = place_match(p.country[pi], c.country[j], p.city[pi], c.city[j]);
      double by_distance = chord_bound(p.unit[pi], c.unit[j], c.max_distance_km[j]);
      double located = p.has_coordinates[pi] && c.has_coordinates[j] ? by_distance : by_place;
      return p.remote[pi] ? 1.0 : located;
    });
  if (uses(q_, factor::industry))
    add_column(bound_, weight(q_, factor::industry), [&](std::size_t j) {
      return industry_match(p.industry[pi], c.industry[j], p.subcategory[pi], c.subcategory[j]);
    });
  if (uses(q_, factor::activity))
    add_column(bound_, weight(q_, factor::activity), [&](std::size_t j) { return c.activity[j]; });
  if (uses(q_, factor::rating))
    add_column(bound_, weight(q_, factor::rating), [&](std::size_t j) { return c.rating[j]; });
  if (uses(q_, factor::track_record))
    add_column(bound_, weight(q_, factor::track_record), [&](std::size_t j) { return c.track_record[j]; });
  const auto& t = p.terms[pi];
  if (uses(q_, factor::category) && t.category != 0)
    add_column(bound_, weight(q_, factor::category), [&](std::size_t j) {
      return has_bit(c.category_bits, j, x_.category_words, t.category) ? 1.0 : 0.0;
    });
  if (uses(q_, factor::skills))
    add_column(bound_, weight(q_, factor::skills),
               [&](std::size_t j) { return skills_bound(p.skill_count[pi], c.skill_count[j]); });
  if (uses(q_, factor::experience))
    add_column(bound_, weight(q_, factor::experience), [&](std::size_t j) { return experience(c.years[j], t.min_years); });
  if (uses(q_, factor::seniority))
    add_column(bound_, weight(q_, factor::seniority),
               [&](std::size_t j) { return 1.0 - std::abs(c.level[j] - t.level) / 4.0; });
  if (uses(q_, factor::salary))
    add_column(bound_, weight(q_, factor::salary),
               [&](std::size_t j) { return salary(c.expected_salary[j], t.salary_max); });
}

bool scanner::all_local(std::size_t pi) const {
  return p_.narrow_skill_count[pi] == std::popcount(p_.local_skills[pi]);  // never when saturated
}

// The same arithmetic as reference_factors, factor by factor, for the factors the profile uses.
factor_values scanner::exact(std::size_t pi, std::size_t ci) const {
  const auto& p = p_;
  const auto& c = c_;
  const auto& t = p.terms[pi];
  factor_values f{};
  for (auto used : q_.prof->used) {
    double v = 0;
    switch (used) {
      case factor::location:
        if (p.remote[pi])
          v = 1.0;
        else if (p.has_coordinates[pi] && c.has_coordinates[ci])
          v = std::max(0.0, 1.0 - haversine_km({p.lat[pi], p.lon[pi]}, {c.lat[ci], c.lon[ci]}) / c.max_distance_km[ci]);
        else
          v = place_match(p.country[pi], c.country[ci], p.city[pi], c.city[ci]);
        break;
      case factor::industry: v = industry_match(p.industry[pi], c.industry[ci], p.subcategory[pi], c.subcategory[ci]); break;
      case factor::activity: v = c.activity[ci]; break;
      case factor::rating: v = c.rating[ci]; break;
      case factor::track_record: v = c.track_record[ci]; break;
      case factor::category:
        v = t.category != 0 && has_bit(c.category_bits, ci, x_.category_words, t.category) ? 1.0 : 0.0;
        break;
      case factor::skills: {
        // The narrow count, which the first pass read (direction candidate), unless saturated.
        auto na = c.skill_count[ci];
        std::uint32_t nb = p.narrow_skill_count[pi];
        if (nb == posting_columns::k_many_skills)
          nb = p.skill_count[pi];
        if (na + nb == 0)
          break;
        std::uint32_t inter = 0;
        if (visiting_ != nullptr && (visiting_->others == 0 || all_local(pi))) {
          // Every skill of the candidate (or of the posting) is among the category's most
          // required: the skills in common are among them, and the posting's skill list (a
          // cold line) is not read.
          inter = static_cast<std::uint32_t>(std::popcount(visiting_->bits & p.local_skills[pi]));
        } else if (q_.dir == direction::candidate) {  // the candidate is the source
          for (auto k = p.skill_begin[pi]; k < p.skill_begin[pi + 1]; ++k)
            inter += source_has(p.skill_ids[k]) ? 1u : 0u;
        } else {  // the posting is
          for (auto k = c.skill_begin[ci]; k < c.skill_begin[ci + 1]; ++k)
            inter += source_has(c.skill_ids[k]) ? 1u : 0u;
        }
        double i = inter;
        v = i / (static_cast<double>(na + nb) - i);
        break;
      }
      case factor::experience: v = experience(c.years[ci], t.min_years); break;
      case factor::seniority: v = 1.0 - std::abs(c.level[ci] - t.level) / 4.0; break;
      case factor::salary: v = salary(c.expected_salary[ci], t.salary_max); break;
    }
    f[static_cast<std::size_t>(used)] = v;
  }
  return f;
}

bool scanner::accepts(std::size_t pi) const {
  const auto& f = q_.filters;
  const auto& p = p_;
  return (!f.country || country_ == p.country[pi]) && (!f.category || category_ == p.category[pi]) &&
         (!f.mode || static_cast<std::uint8_t>(*f.mode) == p.mode[pi]) &&
         (!f.employment || static_cast<std::uint8_t>(*f.employment) == p.employment[pi]);
}

double scanner::threshold() const {
  auto key = min_key_;
  if (!q_.top_per_company && heap_.size() >= static_cast<std::size_t>(q_.top_k))
    key = std::max(key, heap_.front().key);
  return static_cast<double>(key) - 0.5;
}

float scanner::bound_cut() const {
  return static_cast<float>((threshold() - k_float_slack) * 1e-6);
}

std::optional<scanner::entry> scanner::score(std::size_t target, std::size_t pi, std::size_t ci) const {
  auto key = rank_key(combine(*q_.prof, exact(pi, ci)));
  if (key < min_key_)
    return std::nullopt;
  auto rank = q_.dir == direction::candidate ? p_.terms[pi].id_rank : c_.id_rank[ci];
  return entry{key, rank, static_cast<std::uint32_t>(target)};
}

void scanner::offer(std::size_t target, std::size_t pi, std::size_t ci) {
  auto scored = score(target, pi, ci);
  if (!scored)
    return;
  const auto& e = *scored;
  // The heap's front is its worst entry: "a before b" means a ranks ahead of b.
  auto worse_last = [](const entry& a, const entry& b) { return a.key != b.key ? a.key > b.key : a.rank < b.rank; };
  if (heap_.size() < static_cast<std::size_t>(q_.top_k)) {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), worse_last);
  } else if (worse_last(e, heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), worse_last);
    heap_.back() = e;
    std::push_heap(heap_.begin(), heap_.end(), worse_last);
  }
}

// top_per_company: the best posting of each company (pruned by min_score only), top_k later.
void scanner::offer_per_company(std::size_t pi, std::size_t ci) {
  auto scored = score(pi, pi, ci);
  if (!scored)
    return;
  const auto& e = *scored;
  auto company = p_.company[pi];
  auto& slot = company_best_[company];
  if (slot < 0) {
    slot = static_cast<std::int64_t>(heap_.size());
    heap_.push_back(e);
    touched_companies_.push_back(company);
    return;
  }
  auto& best = heap_[static_cast<std::size_t>(slot)];
  if (e.key > best.key || (e.key == best.key && e.rank < best.rank))
    best = e;
}

// The best bounds seen so far in a category, at most top_k of them: a heap whose front is the
// lowest. A NaN bound is left to pass 3, which scores it whatever the cut. Whether the posting
// is retired or filtered out is asked when it is scored: here it would be a cold line for each
// of the ~100 postings that enter the heap and most of which leave it. Those that enter have
// their rows fetched now, long before pass 2 reads them.
void scanner::consider_seed(std::uint32_t pi, float bound) {
  const auto k = static_cast<std::size_t>(q_.top_k);
  auto lower = [](const auto& a, const auto& b) { return a.first > b.first; };
  if (std::isnan(bound) || (seeds_.size() == k && !(bound > seeds_.front().first)))
    return;
  __builtin_prefetch(&p_.terms[pi]);
  __builtin_prefetch(&p_.retired[pi]);
  __builtin_prefetch(&p_.skill_begin[pi]);
  if (seeds_.size() < k) {
    seeds_.emplace_back(bound, pi);
    std::push_heap(seeds_.begin(), seeds_.end(), lower);
  } else if (bound > seeds_.front().first) {
    std::pop_heap(seeds_.begin(), seeds_.end(), lower);
    seeds_.back() = {bound, pi};
    std::push_heap(seeds_.begin(), seeds_.end(), lower);
  }
}

// Column loops a chunk of k_chunk postings at a time (so each chunk's columns stay in the L1
// cache), each chunk's bounds kept for pass 3. Most groups of bounds reach neither the cut nor
// the seeds' lowest: one vector comparison each.
void scanner::bound_category(std::size_t ci, const local_skill_set& mine, std::uint32_t b, std::uint32_t e,
                             float fixed) {
  const std::uint32_t padded = (e - b + k_chunk - 1) / k_chunk * k_chunk;
  if (range_bound_.size() < padded)
    range_bound_.resize(padded);
  seeds_.clear();
  const bool seeding = !q_.top_per_company;
  const float cut = bound_cut();
  for (auto s = b; s < e; s += k_chunk) {
    auto t = std::min(e, s + k_chunk);
    const auto n = t - s;
    float* bound = range_bound_.data() + (s - b);
    bound_range(ci, mine, s, t, fixed, bound);
    std::fill(bound + n, bound + (n + k_group - 1) / k_group * k_group, -std::numeric_limits<float>::infinity());
    if (!seeding)
      continue;
    for (std::uint32_t g = 0; g < n; g += k_group) {
      float floor = seeds_.size() < static_cast<std::size_t>(q_.top_k) ? cut : std::max(cut, seeds_.front().first);
      // "All below", not "none reaches": see pass 3.
      if (stdx::all_of(bound_group(&bound[g], stdx::element_aligned) < floor))
        continue;
      for (auto j = g; j < std::min(n, g + k_group); ++j)
        if (!(bound[j] < floor))
          consider_seed(s + j, bound[j]);
    }
  }
}

// Postings of the candidate's preferred categories first: they score highest under profiles
// that weigh category, so the k-th best key rises early. A whole category whose best possible
// score cannot reach it is then skipped without looking at its postings.
//
// Within a category, three passes. Pass 1 bounds every posting and keeps the top_k best
// bounds; pass 2 scores those first, so the list's k-th best key (the cut) starts near where it
// ends; pass 3 scores the rest whose bounds still reach the cut. Scored in the postings' order
// instead, the cut rose a record at a time (generated data, top 10 among 1M postings: postings
// scored exactly a query, median 116 -> 15 and mean 189 -> 84 with the seeds; 14 and 24 with
// the final cut known from the start).
void scanner::visit_postings(std::size_t ci) {
  const auto& c = c_;
  double w_cat = weight(q_, factor::category);
  double fixed = weight(q_, factor::activity) * c.activity[ci] + weight(q_, factor::rating) * c.rating[ci] +
                 weight(q_, factor::track_record) * c.track_record[ci];
  double others_max = 0;
  for (auto f : q_.prof->used)
    if (f != factor::category && f != factor::activity && f != factor::rating && f != factor::track_record)
      others_max += weight(q_, f);
  auto preferred = [&](std::uint32_t cat) { return cat != 0 && has_bit(c.category_bits, ci, x_.category_words, cat); };
  // Pass 3 collects the postings whose bounds reach the cut and scores them once a group's
  // worth has passed (at most k_group - 1 carried over, plus a chunk), their rows (cold lines:
  // the exact factors' terms, the retired flag, where the skill list starts) fetched as they
  // pass rather than waited for one at a time. Scoring later is the same: a posting whose
  // bound falls below the risen cut could not have made the list.
  std::array<std::pair<std::uint32_t, float>, k_chunk + k_group> passed;
  std::size_t passed_n = 0;
  auto fetch = [&](std::uint32_t pi) {
    __builtin_prefetch(&p_.terms[pi]);
    __builtin_prefetch(&p_.retired[pi]);
    if (visiting_->others != 0 && !all_local(pi))
      __builtin_prefetch(&p_.skill_begin[pi]);  // the list itself: when the posting before it is scored
  };
  auto score = [&](std::uint32_t pi) { q_.top_per_company ? offer_per_company(pi, ci) : offer(pi, pi, ci); };
  auto score_passed = [&] {
    float cut = bound_cut();
    for (std::size_t k = 0; k < passed_n; ++k) {
      if (k + 1 < passed_n && visiting_->others != 0 && !all_local(passed[k + 1].first))
        __builtin_prefetch(&p_.skill_ids[p_.skill_begin[passed[k + 1].first]]);  // its start was fetched
      auto [pi, b] = passed[k];
      if (b < cut || p_.retired[pi] != 0 || !accepts(pi))
        continue;
      score(pi);
      cut = bound_cut();
    }
    passed_n = 0;
  };
  auto visit_range = [&](std::uint32_t cat) {
    auto [b, e] = x_.category_range[cat];
    double category_value = preferred(cat) ? w_cat : 0.0;
    double best_possible = (fixed + category_value) + others_max;
    if (b == e || best_possible * 1e6 + k_slack < threshold())
      return;
    auto mine = local_skills_of(ci, cat);
    visiting_ = &mine;
    bound_category(ci, mine, b, e, static_cast<float>(fixed + category_value));
    // Pass 2: the seeds, best bound first (their rows were fetched as they entered the seeds);
    // each is then out of pass 3.
    std::sort(seeds_.begin(), seeds_.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    for (std::size_t k = 0; k < seeds_.size(); ++k) {
      auto [bound, pi] = seeds_[k];
      if (k + 1 < seeds_.size() && visiting_->others != 0 && !all_local(seeds_[k + 1].second))
        __builtin_prefetch(&p_.skill_ids[p_.skill_begin[seeds_[k + 1].second]]);
      range_bound_[pi - b] = -std::numeric_limits<float>::infinity();
      if (!(bound < bound_cut()) && p_.retired[pi] == 0 && accepts(pi))
        score(pi);
    }
    // Pass 3.
    const float* bounds = range_bound_.data();
    for (auto s = b; s < e; s += k_chunk) {
      const auto n = std::min(e, s + k_chunk) - s;
      const float* bound = bounds + (s - b);
      float cut = bound_cut();
      for (std::uint32_t g = 0; g < n; g += k_group) {
        // "All below", not "none reaches": a NaN bound (0 times an infinite reciprocal, from a
        // posting's absurdly small salary_max) is scored exactly rather than dropped.
        if (stdx::all_of(bound_group(&bound[g], stdx::element_aligned) < cut))
          continue;
        for (auto j = g; j < std::min(n, g + k_group); ++j)
          if (!(bound[j] < cut)) {
            passed[passed_n++] = {s + j, bound[j]};
            fetch(s + j);
          }
      }
      if (passed_n >= k_group)
        score_passed();
    }
    score_passed();
    visiting_ = nullptr;
  };
  auto categories = static_cast<std::uint32_t>(x_.category_range.size());
  for (std::uint32_t cat = 0; cat < categories; ++cat)
    if (preferred(cat))
      visit_range(cat);
  for (std::uint32_t cat = 0; cat < categories; ++cat)
    if (!preferred(cat))
      visit_range(cat);
}

source_results scanner::take_results(std::size_t source) {
  const bool postings = q_.dir == direction::candidate;
  source_results out;
  out.source = postings ? c_.ids[source] : p_.ids[source];
  auto before = [](const entry& a, const entry& b) { return a.key != b.key ? a.key > b.key : a.rank < b.rank; };
  std::sort(heap_.begin(), heap_.end(), before);
  if (heap_.size() > static_cast<std::size_t>(q_.top_k))
    heap_.resize(static_cast<std::size_t>(q_.top_k));
  const auto& ids = postings ? p_.ids : c_.ids;
  // The kept targets' ids (and positions) are cold: asked for together, not one miss after
  // another (this function 2.1% -> 1.4% of the server's samples under live queries).
  for (const auto& e : heap_) {
    __builtin_prefetch(&ids[e.target]);
    if (postings)
      __builtin_prefetch(&p_.input_of_physical[e.target]);
  }
  for (const auto& e : heap_) {
    // The same arithmetic as when it was offered: the same factors and score.
    auto f = postings ? exact(e.target, source) : exact(source, e.target);
    out.results.push_back(
        {ids[e.target], combine(*q_.prof, f), f, postings ? p_.input_of_physical[e.target] : e.target});
  }
  heap_.clear();
  for (auto company : touched_companies_)
    company_best_[company] = -1;
  touched_companies_.clear();
  return out;
}

source_results scanner::run(std::size_t s) {
  const bool candidate = q_.dir == direction::candidate;
  const auto& begin = candidate ? c_.skill_begin : p_.skill_begin;
  const auto& ids = candidate ? c_.skill_ids : p_.skill_ids;
  const std::size_t row = candidate ? s : p_.physical_of_input[s];
  mark_source_skills(begin, ids, row, true);
  struct unmark {  // the bits stay zero between scans, whatever ends this one
    scanner& self;
    const std::vector<std::uint32_t>& begin;
    const std::vector<std::uint32_t>& ids;
    std::size_t row;
    ~unmark() { self.mark_source_skills(begin, ids, row, false); }
  } guard{*this, begin, ids, row};
  if (candidate) {
    visit_postings(s);
    return take_results(s);
  }
  auto pi = row;
  if (accepts(pi)) {
    bound_candidates_for(pi);
    for (std::size_t ci = 0; ci < c_.ids.size(); ++ci)
      if (x_.c.retired[ci] == 0 && !(bound_[ci] * 1e6 + k_slack < threshold()))  // a NaN bound is scored
        offer(ci, pi, ci);
  }
  return take_results(pi);
}

}  // namespace jobmesh::match::detail
