#include "match/word.hpp"

#include <array>
#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace jobmesh::match {

namespace {

// Numbers by text: the keys are views into the pool's texts, which are never freed.
using number_map = boost::unordered_flat_map<std::string_view, std::uint32_t, boost::hash<std::string_view>>;

// Stripes by hash, so that shards loading at once rarely wait for one another; each thread
// also keeps the words it has met (below), so that most lookups take no lock at all.
//
// Texts by number lie in blocks that are allocated as the numbers reach them and never move
// or change, so reading one needs no lock: a number reaches a thread only after its text was
// written (the thread numbered it, or took it from a stripe under its mutex, or got it in a
// record through a message, which orders the writes before it).
class pool {
public:
  std::uint32_t number(std::string_view text) {
    auto& s = stripe_of(text);
    std::lock_guard lock{s.mutex};
    if (auto it = s.numbers.find(text); it != s.numbers.end())
      return it->second;
    auto n = take_number();
    auto& kept = slot(n);
    kept = new std::string{text};  // never freed: words name it (see word.hpp)
    s.numbers.emplace(*kept, n);
    return n;
  }

  std::string_view text(std::uint32_t n) const { return *blocks_[n >> k_block_bits][n & (k_block - 1)]; }

  std::size_t size() const {
    std::lock_guard lock{growing_};
    return next_ - 1;
  }

private:
  struct stripe {
    std::mutex mutex;
    number_map numbers;
  };
  static constexpr std::size_t k_stripes = 16;
  static constexpr unsigned k_block_bits = 16;
  static constexpr std::uint32_t k_block = std::uint32_t{1} << k_block_bits;
  static constexpr std::size_t k_blocks = std::size_t{1} << (32 - k_block_bits);

  stripe& stripe_of(std::string_view text) { return stripes_[boost::hash<std::string_view>{}(text) % k_stripes]; }

  // The next number, its block allocated (under the caller's stripe lock as well).
  std::uint32_t take_number() {
    std::lock_guard lock{growing_};
    if (next_ == 0)
      throw std::length_error("match::word: the pool holds 2^32 - 1 words");
    auto n = next_++;
    if (auto& block = blocks_[n >> k_block_bits]; !block)
      block = std::make_unique<const std::string*[]>(k_block);
    return n;
  }

  const std::string*& slot(std::uint32_t n) { return blocks_[n >> k_block_bits][n & (k_block - 1)]; }

  std::array<stripe, k_stripes> stripes_;
  mutable std::mutex growing_;
  std::uint32_t next_ = 1;  // 0 is the empty word
  std::array<std::unique_ptr<const std::string*[]>, k_blocks> blocks_;
};

// Made on first use and never destroyed: a word held by a static (a test's fixture, a record
// in a thread-local) may be read during exit, after function-local statics would be gone.
pool& the_pool() {
  static auto* p = new pool;
  return *p;
}

// What this thread has numbered or looked up: the pool's words never change, so a copy of some
// of its entries stays true without synchronisation.
number_map& seen_here() {
  thread_local number_map seen;
  return seen;
}

}  // namespace

word::word(std::string_view text) {
  if (text.empty())
    return;
  auto& seen = seen_here();
  if (auto it = seen.find(text); it != seen.end()) {
    id_ = it->second;
    return;
  }
  auto& p = the_pool();
  id_ = p.number(text);
  seen.emplace(p.text(id_), id_);
}

std::string_view word::text_of(std::uint32_t id) {
  return the_pool().text(id);
}

std::size_t word::pool_size() {
  return the_pool().size();
}

}  // namespace jobmesh::match
