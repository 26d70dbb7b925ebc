#include "match/normaliser.hpp"

#include "match/detail/text_hash.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

namespace jobmesh::match {

namespace {

// Per byte: what normalising does with it (a table: one load instead of a chain of compares,
// for every character of every word of every record read).
enum class byte_kind : std::uint8_t { kept, upper, space };

constexpr std::array<byte_kind, 256> k_byte_kinds = [] {
  std::array<byte_kind, 256> kinds{};
  for (int c = 'A'; c <= 'Z'; ++c)
    kinds[static_cast<std::size_t>(c)] = byte_kind::upper;
  for (char c : {' ', '\t', '\n', '\r', '\f', '\v'})
    kinds[static_cast<unsigned char>(c)] = byte_kind::space;
  return kinds;
}();

byte_kind kind_of(char c) {
  return k_byte_kinds[static_cast<unsigned char>(c)];
}

// The filter's row of a word: its first byte (the empty word shares row 0 with words that
// start with a NUL byte; the filter only has to let every key through).
unsigned char first_byte(std::string_view word) {
  return word.empty() ? 0 : static_cast<unsigned char>(word.front());
}

unsigned length_bit(std::size_t length) {
  return static_cast<unsigned>(std::min<std::size_t>(length, 63));
}

// A word with a byte >= 0x80, decoded as UTF-8: each character lowered by Unicode's simple
// case mapping, Unicode's white space (U+00A0, U+2028, U+3000, ...) trimmed and folded as
// ASCII's is; the bytes of a sequence that is not UTF-8 pass unchanged. (ICU's tables, not a
// locale's: the same answers on every machine with the same Unicode version, which stored
// forms are fingerprinted with.)
std::size_t normalise_unicode(std::string_view word, char* out) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(word.data());
  const std::size_t size = word.size();
  std::size_t i = 0, n = 0;
  bool pending_space = false;
  while (i < size) {
    const std::size_t start = i;
    UChar32 c;
    U8_NEXT(b, i, size, c);
    if (c >= 0 && u_isUWhiteSpace(c)) {
      pending_space = n != 0;
      continue;
    }
    if (pending_space)
      out[n++] = ' ';
    pending_space = false;
    if (c < 0) {
      std::copy(word.data() + start, word.data() + i, out + n);
      n += i - start;
    } else {
      U8_APPEND_UNSAFE(out, n, u_tolower(c));
    }
  }
  return n;
}

// Writes the normal form of `word` to `out`, which has room for normal_capacity(word.size())
// chars; returns its length. No allocation: the callers choose where the text goes. Most words
// are ASCII spaced normally (no white space but single spaces between other bytes): one
// branch-free pass lowers them and checks that they are; any other ASCII word is then written
// again byte by byte, and a word with other bytes decoded as UTF-8.
std::size_t normalise_to(std::string_view word, char* out) {
  const auto* b = reinterpret_cast<const unsigned char*>(word.data());
  const std::size_t size = word.size();
  unsigned odd = 0, after_space = 0, high = 0;
  for (std::size_t i = 0; i < size; ++i) {
    unsigned c = b[i];
    unsigned space = c == ' ';
    out[i] = static_cast<char>(c + (static_cast<unsigned>(c - 'A' < 26u) << 5));
    odd |= static_cast<unsigned>(c - '\t' < 5u) | (space & after_space);  // \t \n \v \f \r; two spaces
    high |= c;
    after_space = space;
  }
  if (high >= 0x80)
    return normalise_unicode(word, out);
  if (odd == 0 && (size == 0 || (b[0] != ' ' && b[size - 1] != ' ')))
    return size;
  std::size_t n = 0;
  bool pending_space = false;
  for (char c : word) {
    auto kind = kind_of(c);
    if (kind == byte_kind::space) {
      pending_space = n != 0;
      continue;
    }
    if (pending_space)
      out[n++] = ' ';
    pending_space = false;
    out[n++] = kind == byte_kind::upper ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return n;
}

// std::string's order (bytes as unsigned char); the first bytes are compared inline because
// they settle most comparisons of skill names, and a call to memcmp costs more than that.
// (A function object, so that std::sort inlines it.)
struct byte_order {
  bool operator()(std::string_view a, std::string_view b) const {
    if (!a.empty() && !b.empty() && a[0] != b[0])
      return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
    return a < b;
  }
};

// Raw texts as given -> their normal words, per thread: records repeat a few hundred
// categories, cities and skills, which are then normalised once per thread, not once per
// record. Bounded: past k_most_cached texts (a real taxonomy's ~13,000 skills fit; ~1 MB a
// cache), new ones are normalised each time.
using raw_words = boost::unordered_flat_map<std::string, word, detail::text_hash, detail::text_equal>;
constexpr std::size_t k_most_cached = std::size_t{1} << 14;

template <class Make>
word cached(raw_words& cache, std::string_view raw, Make make) {
  if (auto it = cache.find(raw); it != cache.end())
    return it->second;
  word w = make(raw);
  if (cache.size() < k_most_cached)
    cache.emplace(std::string{raw}, w);
  return w;
}

// The terms of one normaliser (its synonyms apply); a thread that uses another starts over.
struct term_cache {
  std::uint64_t owner = 0;
  raw_words words;
};

std::atomic<std::uint64_t> next_normaliser{1};

}  // namespace

const std::map<std::string, std::string>& default_synonyms() {
  static const std::map<std::string, std::string> table{
      {"js", "javascript"}, {"ts", "typescript"}, {"k8s", "kubernetes"},
      {"postgres", "postgresql"}, {"golang", "go"}, {"ml", "machine learning"},
  };
  return table;
}

std::string normalise_word(std::string_view word) {
  std::string out(normal_capacity(word.size()), '\0');
  out.resize(normalise_to(word, out.data()));
  return out;
}

namespace {

word make_normal_word(std::string_view text) {
  constexpr std::size_t k_on_stack = 192;
  if (normal_capacity(text.size()) > k_on_stack)
    return word{normalise_word(text)};
  std::array<char, k_on_stack> out;
  return word{std::string_view{out.data(), normalise_to(text, out.data())}};
}

}  // namespace

word normal_word(std::string_view text) {
  thread_local raw_words cache;
  return cached(cache, text, make_normal_word);
}

word normaliser::term_word(std::string_view raw) const {
  thread_local term_cache cache;
  if (cache.owner != id_) {
    cache.words.clear();
    cache.owner = id_;
  }
  return cached(cache.words, raw, [this](std::string_view text) {
    auto normal = make_normal_word(text);
    const std::string* to = synonym_of(normal.view());
    return to ? word{*to} : normal;
  });
}

normaliser::normaliser(const std::map<std::string, std::string>& extra) : id_(next_normaliser++) {
  for (const auto& [from, to] : default_synonyms())
    synonyms_[from] = to;
  for (const auto& [from, to] : extra)
    synonyms_[normalise_word(from)] = normalise_word(to);
  for (const auto& [from, to] : synonyms_)
    key_lengths_[first_byte(from)] |= std::uint64_t{1} << length_bit(from.size());
}

const std::string* normaliser::synonym_of(std::string_view word) const {
  if ((key_lengths_[first_byte(word)] >> length_bit(word.size()) & 1) == 0)
    return nullptr;
  auto it = synonyms_.find(word);
  return it == synonyms_.end() ? nullptr : &it->second;
}

std::string normaliser::term(std::string_view word) const {
  auto w = normalise_word(word);
  if (const std::string* to = synonym_of(w))
    return *to;
  return w;
}

sorted_terms normaliser::term_set(const std::vector<std::string>& words) const {
  // Sorted by text (the set's order) with each text looked up once, not at every comparison;
  // the first bytes are compared inline: they settle most comparisons.
  boost::container::small_vector<std::pair<std::string_view, word>, 32> terms;
  for (const auto& raw : words)
    if (auto w = term_word(raw); !w.empty())
      terms.emplace_back(w.view(), w);
  std::sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) { return byte_order{}(a.first, b.first); });
  boost::container::small_vector<word, 32> set;
  for (const auto& [text, w] : terms)
    if (set.empty() || set.back() != w)
      set.push_back(w);
  return sorted_terms::from_words(set);
}

// The normal forms are written into one buffer and sorted as views, so each kept word is
// copied once, into its final place (a list of a few categories fits on the stack).
std::vector<std::string> normaliser::word_set(const std::vector<std::string>& words) const {
  std::size_t total = 0;
  for (const auto& w : words)
    total += normal_capacity(w.size());
  boost::container::small_vector<char, 1024> text(total);
  boost::container::small_vector<std::string_view, 32> views;
  char* next = text.data();
  for (const auto& w : words) {
    std::string_view v{next, normalise_to(w, next)};
    next += v.size();
    if (!v.empty())
      views.push_back(v);
  }
  std::sort(views.begin(), views.end(), byte_order{});
  views.erase(std::unique(views.begin(), views.end()), views.end());
  return {views.begin(), views.end()};
}

}  // namespace jobmesh::match
