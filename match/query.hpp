#pragma once
/// A match query and its results (SPEC-matching.md "Queries"): direction, profile, top_k,
/// min_score, top_per_company, filters; results ranked by key = llround(score * 1e6)
/// descending, then target id ascending (byte order).

#include "match/prepared.hpp"
#include "match/profile.hpp"

#include <optional>
#include <string>
#include <vector>

namespace jobmesh::match {

/// `candidate`: each candidate's best postings. `posting`: each posting's best candidates.
enum class direction : std::uint8_t { candidate, posting };

/// Optional conditions on postings (normalised strings). In direction `candidate` they select
/// the target postings; in direction `posting` a source posting that fails them gets no results.
struct posting_filters {
  std::optional<std::string> country;
  std::optional<std::string> category;
  std::optional<work_mode> mode;
  std::optional<employment_type> employment;

  bool accepts(const prepared_posting& p) const;
};

struct query {
  direction dir = direction::candidate;
  const profile* prof = &fit_profile();
  int top_k = 10;               ///< 1..10000
  double min_score = 0;
  bool top_per_company = false; ///< direction candidate only
  posting_filters filters;
};

/// Returns an error for people when `q` breaks a rule (top_k range, top_per_company direction).
std::optional<std::string> check(const query& q);

struct match_result {
  std::string id;
  double score = 0;
  factor_values factors{};
  /// From batch_matcher: the target's position among the records the index was built from,
  /// so a caller holding them needs no lookup by id.
  std::uint32_t input = 0;
};

struct source_results {
  std::string source;
  std::vector<match_result> results;
};

/// True when (key a, id a) ranks before (key b, id b).
inline bool ranks_before(std::int64_t key_a, const std::string& id_a, std::int64_t key_b, const std::string& id_b) {
  return key_a != key_b ? key_a > key_b : id_a < id_b;
}

}  // namespace jobmesh::match
