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
    random_hi_ = rng_() & 0x7FFF;  // one bit of headroom so increments never overflow the field
    random_lo_ = rng_();
  } else if (++random_lo_ == 0) {
    // Same millisecond (or the clock stepped back): count up so ids still increase.
    ++random_hi_;
  }
  // 128 bits: 48 time bits then 80 random bits, written as 26 base32 digits (130 bits).
  unsigned __int128 value = (static_cast<unsigned __int128>(static_cast<std::uint64_t>(last_ms_)) << 80) |
                            (static_cast<unsigned __int128>(random_hi_) << 64) | random_lo_;
  std::string out(k_id_length, '0');
  for (std::size_t i = k_id_length; i-- > 0;) {
    out[i] = k_alphabet[static_cast<std::size_t>(value & 31)];
    value >>= 5;
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
