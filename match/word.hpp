#pragma once
/// A normalised word of the kind that takes few distinct values across a marketplace: a
/// posting's category, industry, subcategory, country and city, a candidate's country, city,
/// industry and subcategory, and both sides' skills (sorted_terms). Each distinct text is held
/// once per process, in a pool, and numbered; a record holds the number: 4 bytes where a
/// std::string took 32 (and an allocation past 15 bytes). Two words are equal when their
/// numbers are, which is when their texts are equal; the numbers are dense (1, 2, ... in the
/// order the pool met the texts), so a table indexed by them is as long as the pool.
///
/// The pool is process-wide, like a logger registry, and only grows: a word is kept for the
/// life of the process even when no record holds it any more (its text plus ~70 bytes). A
/// marketplace's categories, places and skills number in the hundreds to tens of thousands;
/// `word::pool_size()` tells how many there are, and the server reports it as
/// `jobmesh_match_words`. A posting's company is not a word: companies are many (a twentieth
/// of the postings in generated data), and looking each up in a table that size cost more
/// than the string it saves. Process-wide because records cross actors and threads: a word
/// made on one shard's thread is read on another's and compared with a query's, and a pool
/// owned by anything shorter-lived would leave them pointing at freed text.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace jobmesh::match {

class word {
public:
  /// The empty word.
  constexpr word() = default;
  /// The word whose text is `text` (as given: normalising is the caller's), added to the pool
  /// when it is not there yet; an empty text is the empty word. Thread-safe.
  explicit word(std::string_view text);

  std::string_view view() const { return id_ == 0 ? std::string_view{} : text_of(id_); }
  operator std::string_view() const { return view(); }  // NOLINT: a word reads as its text
  std::string str() const { return std::string{view()}; }
  bool empty() const { return id_ == 0; }
  std::size_t size() const { return view().size(); }

  friend bool operator==(word a, word b) { return a.id_ == b.id_; }
  friend bool operator==(word a, std::string_view b) { return a.view() == b; }
  /// Bytewise order of the texts, as std::string orders them.
  friend std::strong_ordering operator<=>(word a, word b) { return a.view() <=> b.view(); }
  friend std::strong_ordering operator<=>(word a, std::string_view b) { return a.view() <=> b; }

  /// The word's number: 0 for the empty word, then dense in the order the pool met the texts.
  std::uint32_t id() const { return id_; }

  /// How many distinct non-empty words the pool holds.
  static std::size_t pool_size();

private:
  /// The pool's text of a word it numbered (not 0); no lock (see word.cpp).
  static std::string_view text_of(std::uint32_t id);

  std::uint32_t id_ = 0;
};

}  // namespace jobmesh::match
