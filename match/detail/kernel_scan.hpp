#pragma once
// One thread's scan of sources: pass 1 (bounds, column loops) and pass 2 (exact factors for
// targets whose bound can still make the list, bounded heap). Keeps its buffers across sources.

#include "match/detail/kernel_index.hpp"
#include "match/query.hpp"

#include <optional>

namespace jobmesh::match::detail {

/// A scan's working memory, kept from one scan to the next (one per thread): a bound per
/// candidate (direction posting) or per posting of the category being visited (direction
/// candidate), the seeds, the heap, and top_per_company's slots. Fresh memory per query would cost page faults and a clear of a few
/// megabytes each time.
struct scan_buffers {
  /// A target in the list: what ranks it, 16 bytes (its factors, 80 more, are computed again
  /// for the targets that end in the list: the list moves entries at most offers).
  struct entry {
    std::int64_t key;
    std::uint32_t rank;
    std::uint32_t target;
  };
  std::vector<double> bound;
  /// Direction candidate: the bound of each posting of the category being visited.
  std::vector<float> range_bound;
  /// Direction candidate: the postings of that category with the best bounds, scored first.
  std::vector<std::pair<float, std::uint32_t>> seeds;
  std::vector<entry> heap;
  std::vector<std::int64_t> company_best;  ///< top_per_company: index into heap, -1 none
  std::vector<std::uint32_t> touched_companies;
  /// The source's skills as bits over the index's skill vocabulary while its scan runs (all
  /// zero between scans): each target's list is tested in them.
  std::vector<std::uint64_t> source_skills;
};

class scanner {
public:
  /// Postings are bounded this many at a time, into a buffer that stays in the L1 cache.
  static constexpr std::uint32_t k_chunk = 256;
  /// Bounds are compared with the cut this many at a time (one AVX-512 register of floats).
  static constexpr std::uint32_t k_group = 16;
  static_assert(k_chunk % k_group == 0);

  scanner(const kernel_index& x, const query& q, scan_buffers& buffers);
  /// Scans for one candidate (or one posting) from outside the index, encoded by `encode`: its
  /// targets are the index's postings (or candidates); source number 0 is `source`.
  scanner(const kernel_index& x, const query& q, scan_buffers& buffers, const candidate_columns& source);
  scanner(const kernel_index& x, const query& q, scan_buffers& buffers, const posting_columns& source);

  /// The results of source `s` (a candidate index, or a posting index for direction posting).
  source_results run(std::size_t s);

private:
  using entry = scan_buffers::entry;

  scanner(const kernel_index& x, const posting_columns& p, const candidate_columns& c, const query& q,
          scan_buffers& buffers);

  /// A candidate's skills among one category's most required ones (see add_skills).
  struct local_skill_set {
    std::uint64_t bits = 0;   ///< bit k: the candidate has the category's k-th skill
    std::uint32_t others = 0; ///< the candidate's skills outside them
  };

  void bound_range(std::size_t ci, const local_skill_set& mine, std::uint32_t b, std::uint32_t e, float fixed,
                   float* bound) const;
  void add_skills(std::size_t ci, const local_skill_set& mine, std::uint32_t b, std::uint32_t e, float* bound) const;
  local_skill_set local_skills_of(std::size_t ci, std::uint32_t category) const;
  /// Whether the source of the scan running has skill `id`.
  bool source_has(std::uint32_t id) const;
  /// Sets (or clears) the bits of source `row`'s skills in buffers.source_skills.
  void mark_source_skills(const std::vector<std::uint32_t>& begin, const std::vector<std::uint32_t>& ids,
                          std::size_t row, bool on);
  void bound_candidates_for(std::size_t pi);
  /// The posting's skills are all among its category's most required (direction candidate).
  bool all_local(std::size_t pi) const;
  factor_values exact(std::size_t pi, std::size_t ci) const;
  /// The target's entry when its exact key meets min_score (its bound was checked already).
  std::optional<entry> score(std::size_t target, std::size_t pi, std::size_t ci) const;
  void offer(std::size_t target, std::size_t pi, std::size_t ci);
  void offer_per_company(std::size_t pi, std::size_t ci);
  double threshold() const;
  /// The float a first-pass bound must reach to be scored: threshold() less the slack.
  float bound_cut() const;
  bool accepts(std::size_t posting) const;
  void visit_postings(std::size_t ci);
  /// Pass 1 over one category's postings [b, e): their bounds into range_bound_, and the
  /// best `top_k` of them (by bound) into seeds_.
  void bound_category(std::size_t ci, const local_skill_set& mine, std::uint32_t b, std::uint32_t e, float fixed);
  /// Keeps posting `pi` among the seeds if its bound is among the best seen.
  void consider_seed(std::uint32_t pi, float bound);
  /// The list, ranked, with each target's factors and score; `source` is the candidate's
  /// index (direction candidate) or the posting's stored position.
  source_results take_results(std::size_t source);

  const kernel_index& x_;
  const posting_columns& p_;    ///< x_.p, or the outside posting
  const candidate_columns& c_;  ///< x_.c, or the outside candidate
  const query& q_;
  std::int64_t min_key_;
  std::vector<double>& bound_;
  std::vector<float>& range_bound_;
  std::vector<std::pair<float, std::uint32_t>>& seeds_;
  std::vector<entry>& heap_;
  std::vector<std::int64_t>& company_best_;
  std::vector<std::uint32_t>& touched_companies_;
  std::vector<std::uint64_t>& source_skills_;
  /// While a category's postings are visited (direction candidate): the candidate's skills
  /// among its most required, which exact() uses instead of the posting's whole skill list when
  /// the candidate has no other skill.
  const local_skill_set* visiting_ = nullptr;
  /// The filters' country and category as the index's word ids (interner::k_unknown when no
  /// posting has them, which then matches no stored posting); compared with the columns.
  std::uint32_t country_;
  std::uint32_t category_;
};

}  // namespace jobmesh::match::detail
