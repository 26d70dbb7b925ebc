#pragma once
/// Synthetic market data with the correlations of a real one: postings cluster in cities of
/// several countries, skills come from pools per job family, salaries follow family, level and
/// country, experience follows age and education follows both, ratings are skewed with many
/// unrated people. A fixed, portable random generator makes the same seed give the same records
/// on every machine.

#include "match/records.hpp"

#include <cstdint>
#include <functional>
#include <ostream>

namespace jobmesh::match {

/// splitmix64: small, fast, and the same everywhere (std distributions are not).
class portable_random {
public:
  explicit portable_random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  /// Uniform in [0, 1).
  double unit();
  /// Uniform integer in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  /// Roughly normal (sum of uniforms), mean 0, deviation 1.
  double normal();

private:
  std::uint64_t state_;
};

struct generator_options {
  std::size_t postings = 1000;
  std::size_t candidates = 1000;
  std::uint64_t seed = 1;
};

/// Called with (records written, records in all) now and then.
using generator_progress = std::function<void(std::size_t, std::size_t)>;

/// The i-th posting (of a market with `company_count` companies) / candidate of a data set of
/// `seed`; a candidate does not depend on how many are made.
posting generate_posting(std::uint64_t seed, std::size_t i, std::size_t company_count);
candidate generate_candidate(std::uint64_t seed, std::size_t i);

/// Writes `options.postings` postings and `options.candidates` candidates as NDJSON.
void generate(const generator_options& options, std::ostream& postings, std::ostream& candidates,
              const generator_progress& progress = {});

}  // namespace jobmesh::match
