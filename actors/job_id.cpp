#include "actors/job_id.hpp"

#include <string_view>

namespace jobmesh::actors {

namespace {

constexpr std::string_view k_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t k_id_length = 26;

}  // namespace

job_id_generator::job_id_generator() : rng_(std::random_device{}()) {}

std::string job_id_generator::next(std::int64_t now_ms) {
  if (now_ms > last_ms_) {
    last_ms_ = now_ms;
    random_hi_ = rng_() & 0x7FFF;  // 16 bits, one of headroom so increments never overflow them
    random_lo_ = rng_();
  } else if (++random_lo_ == 0) {
    // Same millisecond (or the clock stepped back): count up so ids still increase.
    ++random_hi_;
  }
  // 10 characters of time (48 bits in 50), then 16 of randomness (80 bits), most significant first.
  std::string out(k_id_length, '0');
  auto time = static_cast<std::uint64_t>(last_ms_);
  for (std::size_t i = 10; i-- > 0; time >>= 5)
    out[i] = k_alphabet[time & 31];
  auto lo = random_lo_;
  auto hi = random_hi_;
  for (std::size_t i = k_id_length; i-- > 10;) {
    out[i] = k_alphabet[lo & 31];
    lo = (lo >> 5) | ((hi & 31) << 59);
    hi >>= 5;
  }
  return out;
}

bool is_job_id(std::string_view id) {
  if (id.size() != k_id_length)
    return false;
  for (char c : id)
    if (k_alphabet.find(c) == std::string_view::npos)
      return false;
  return true;
}

}  // namespace jobmesh::actors
