#pragma once
/// The reference scorer: SPEC-matching.md read line by line, with no shortcut. Slow and plain
/// on purpose; the fast kernel is tested against it.

#include "match/query.hpp"

namespace jobmesh::match {

/// Great-circle distance in km (haversine, sphere of radius 6371.0088 km).
double haversine_km(geo_point a, geo_point b);

/// Every factor of the pair.
factor_values reference_factors(const prepared_posting& p, const prepared_candidate& c);

/// The query answered by scoring every pair and sorting: one entry per source, in input order.
std::vector<source_results> reference_match(const std::vector<prepared_posting>& postings,
                                            const std::vector<prepared_candidate>& candidates, const query& q);

}  // namespace jobmesh::match
