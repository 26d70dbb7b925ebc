#pragma once
// The generator's random numbers: splitmix64 and draws built on it with integer and IEEE
// arithmetic only, so a seed gives the same numbers with every compiler and standard library
// (std::uniform_int_distribution and friends are not specified bit for bit).

#include <cstdint>
#include <cstddef>
#include <vector>

namespace jobmesh::match::detail {

class portable_random {
public:
  explicit portable_random(std::uint64_t seed) : state_(seed) {}

  /// The stream for record `i` of `kind` under `seed`: a record does not depend on how many
  /// records come before it.
  static portable_random for_record(std::uint64_t seed, std::uint64_t kind, std::size_t i);

  std::uint64_t next();
  /// Uniform in [0, 1), 53 random bits.
  double unit();
  /// Uniform integer in [lo, hi] (modulo bias below 2^-40 for the small ranges used here).
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  /// Uniform index in [0, n), n > 0.
  std::size_t index(std::size_t n);
  /// Roughly standard normal (Irwin-Hall: twelve uniforms), so within [-6, 6].
  double normal();
  /// True with probability `p`.
  bool chance(double p) { return unit() < p; }

  /// A uniformly chosen element of `v` (not empty).
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[index(v.size())];
  }

private:
  std::uint64_t state_;
};

}  // namespace jobmesh::match::detail
