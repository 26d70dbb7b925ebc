#include "match/detail/generator_random.hpp"

namespace jobmesh::match::detail {

namespace {

// The splitmix64 finaliser: a bijection that spreads every input bit over the output.
std::uint64_t mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::uint64_t k_golden_gamma = 0x9e3779b97f4a7c15ULL;

}  // namespace

portable_random portable_random::for_record(std::uint64_t seed, std::uint64_t kind, std::size_t i) {
  // Mixing twice keeps nearby (seed, kind, i) triples from giving overlapping streams.
  return portable_random{mix(seed + k_golden_gamma * (mix(kind * 0x100000001b3ULL + i) | 1))};
}

std::uint64_t portable_random::next() {
  state_ += k_golden_gamma;
  return mix(state_);
}

double portable_random::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::int64_t portable_random::between(std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
}

std::size_t portable_random::index(std::size_t n) {
  return static_cast<std::size_t>(next() % n);
}

double portable_random::normal() {
  double sum = 0;
  for (int i = 0; i < 12; ++i)
    sum += unit();
  return sum - 6.0;
}

}  // namespace jobmesh::match::detail
