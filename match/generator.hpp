#pragma once
/// Synthetic market data with the correlations of a real one, for `jobmesh generate`, tests
/// and the benches. Postings and people cluster in real cities (weighted by population) of
/// several countries; skills come from the pool of a job family, plus skills every trade
/// shares and a few outliers; levels follow years of experience, years follow age and
/// education, salaries follow family, level and country, and expected salaries follow current
/// ones; ratings are skewed, with many people unrated. Every record is valid by every rule of
/// SPEC-matching.md, and a few are written the way people type (synonyms, capitals, blanks).
///
/// The same seed gives byte-identical files on every machine: the random numbers are a
/// splitmix64 of our own, not the standard library's distributions.

#include "match/records.hpp"

#include <cstdint>
#include <functional>
#include <ostream>

namespace jobmesh::match {

struct generator_options {
  std::size_t postings = 1000;
  std::size_t candidates = 1000;
  std::uint64_t seed = 1;
};

/// Called with (records written, records in all) every few thousand records and at the end.
using generator_progress = std::function<void(std::size_t, std::size_t)>;

/// How many companies post `postings` postings (about twenty postings each, skewed).
std::size_t company_count_for(std::size_t postings);

/// The i-th posting (0-based; id `p` and i + 1 in seven digits) of a market with
/// `company_count` companies under `seed`.
posting generate_posting(std::uint64_t seed, std::size_t i, std::size_t company_count);

/// The i-th candidate (id `c` and i + 1 in seven digits) under `seed`; it does not depend on
/// how many candidates are made.
candidate generate_candidate(std::uint64_t seed, std::size_t i);

/// Writes `options.postings` postings then `options.candidates` candidates, one JSON object
/// per line, to the two streams. Stream errors are left for the caller to check.
void generate(const generator_options& options, std::ostream& postings, std::ostream& candidates,
              const generator_progress& progress = {});

}  // namespace jobmesh::match
