#include "match/word.hpp"

#include <array>
#include <atomic>
#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <mutex>

namespace jobmesh::match {

namespace {

// Texts by their own bytes: the keys are views into the pool's immortal strings.
using text_map = boost::unordered_flat_map<std::string_view, const std::string*, boost::hash<std::string_view>>;

// Stripes by hash, so that shards loading at once rarely wait for one another; each thread
// also keeps the words it has met (below), so that most lookups take no lock at all.
class pool {
public:
  const std::string* intern(std::string_view text) {
    auto& s = stripe_of(text);
    std::lock_guard lock{s.mutex};
    if (auto it = s.texts.find(text); it != s.texts.end())
      return it->second;
    const auto* kept = new std::string{text};  // never freed: words point at it (see word.hpp)
    s.texts.emplace(*kept, kept);
    size_.fetch_add(1, std::memory_order_relaxed);
    return kept;
  }

  const std::string* find(std::string_view text) {
    auto& s = stripe_of(text);
    std::lock_guard lock{s.mutex};
    auto it = s.texts.find(text);
    return it == s.texts.end() ? nullptr : it->second;
  }

  std::size_t size() const { return size_.load(std::memory_order_relaxed); }

private:
  struct stripe {
    std::mutex mutex;
    text_map texts;
  };
  static constexpr std::size_t k_stripes = 16;

  stripe& stripe_of(std::string_view text) { return stripes_[boost::hash<std::string_view>{}(text) % k_stripes]; }

  std::array<stripe, k_stripes> stripes_;
  std::atomic<std::size_t> size_{0};
};

// Made on first use and never destroyed: a word held by a static (a test's fixture, a record
// in a thread-local) may be read during exit, after function-local statics would be gone.
pool& the_pool() {
  static auto* p = new pool;
  return *p;
}

// What this thread has interned: the pool's words never change, so a copy of some of its
// entries stays true without synchronisation.
text_map& seen_here() {
  thread_local text_map seen;
  return seen;
}

}  // namespace

word::word(std::string_view text) {
  if (text.empty())
    return;
  auto& seen = seen_here();
  if (auto it = seen.find(text); it != seen.end()) {
    text_ = it->second;
    return;
  }
  text_ = the_pool().intern(text);
  seen.emplace(*text_, text_);
}

std::optional<word> word::find(std::string_view text) {
  if (text.empty())
    return word{};
  if (const auto* kept = the_pool().find(text))
    return word{kept};
  return std::nullopt;
}

std::size_t word::pool_size() {
  return the_pool().size();
}

}  // namespace jobmesh::match
