#pragma once
/// The fast batch kernel. Built once from prepared records, it answers queries for every
/// source with the same results as `reference_match`: the same ids in the same order, the same
/// factor values and scores (each exact factor is computed with the reference's arithmetic).
///
/// Per source it runs two passes over the targets. Pass 1 is a set of branch-free column loops
/// over structure-of-arrays data that add up, per target, an upper bound of its score (exact
/// for cheap factors; min/max set sizes for skills; a unit-vector chord for distance). Pass 2
/// visits targets whose bound can still reach the current k-th best key (with a small slack
/// for rounding), computes their exact factors (skills in common: each target's skill ids
/// tested in the source's skills, set as bits for its scan) and keeps a bounded heap. For direction `candidate`,
/// postings of the candidate's preferred categories are visited first, so the k-th best rises
/// early and most postings are skipped; within a category the top_k best-bounded postings are
/// scored first, so the k-th best starts near where it ends.

#include "match/query.hpp"

#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace jobmesh::match {

namespace detail {
struct kernel_index;
}

/// Called now and then with the number of sources done; from worker threads, serialised.
using progress_callback = std::function<void(std::size_t done, std::size_t total)>;

class batch_matcher {
public:
  /// Indexes `postings` and `candidates`; both are copied into the kernel's own layout.
  batch_matcher(const std::vector<prepared_posting>& postings, const std::vector<prepared_candidate>& candidates);
  /// Indexes the records pointed to (read while building, not kept): no copy of a record
  /// held elsewhere is needed to build.
  batch_matcher(std::span<const prepared_posting* const> postings,
                std::span<const prepared_candidate* const> candidates);
  ~batch_matcher();
  batch_matcher(batch_matcher&&) noexcept;

  /// Answers `q` for every source (input order) on `threads` threads (0 = every core).
  std::vector<source_results> run(const query& q, unsigned threads = 0, const progress_callback& progress = {}) const;

  /// Answers `q` for one source that need not be in this index: a candidate's best postings
  /// (direction candidate) or a posting's best candidates (direction posting) among the
  /// indexed targets, exactly as `run` would if the source were indexed. Thread-safe.
  source_results run_one(const prepared_candidate& source, query q) const;
  source_results run_one(const prepared_posting& source, query q) const;

  /// Takes the posting (or candidate) with this id out of the targets of later queries, as if
  /// it had not been indexed: how a holder of the index follows a delete, or an update whose
  /// new version it indexes elsewhere, without a rebuild. False when no such id is indexed or
  /// it is retired already. Not while a query runs on another thread. `run` still answers for
  /// every indexed source.
  bool retire_posting(std::string_view id);
  bool retire_candidate(std::string_view id);

  std::size_t posting_count() const;
  std::size_t candidate_count() const;

private:
  std::unique_ptr<detail::kernel_index> index_;
};

}  // namespace jobmesh::match
