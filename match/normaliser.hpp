#pragma once
/// Normalisation of words (SPEC-matching.md): lower case, trimmed, inner white space folded to
/// one space; skills and certifications then pass through the synonym table. Lists become sets:
/// duplicates count once.

#include "match/sorted_terms.hpp"
#include "match/word.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::match {

/// The spec's default synonyms (js -> javascript, ...).
const std::map<std::string, std::string>& default_synonyms();

/// Unicode lower case (each character's simple mapping: "ÄRZTE" -> "ärzte"), trimmed, runs of
/// white space (Unicode's: U+00A0 and U+3000 too) folded to one space. Bytes that are not UTF-8
/// pass unchanged.
std::string normalise_word(std::string_view word);

/// The most bytes the normal form of a word of `size` bytes takes: lowering may lengthen a
/// character's UTF-8 (U+023A, 2 bytes, lowers to U+2C65, 3 bytes), never by more than half.
constexpr std::size_t normal_capacity(std::size_t size) {
  return size + size / 2;
}

/// `text` normalised as `normalise_word` does, as a pooled word (no string is built for it).
word normal_word(std::string_view text);

class normaliser {
public:
  /// The default synonyms plus `extra` (normalised on both sides; extra wins on conflicts).
  explicit normaliser(const std::map<std::string, std::string>& extra = {});

  /// A skill or certification: normalised, then mapped through the synonyms.
  std::string term(std::string_view word) const;

  /// `words` as terms, sorted, without duplicates or empty entries.
  sorted_terms term_set(const std::vector<std::string>& words) const;

  /// `words` normalised (no synonyms), sorted, without duplicates or empty entries.
  std::vector<std::string> word_set(const std::vector<std::string>& words) const;

  /// A skill or certification as `term` gives it, as a pooled word; each distinct text given
  /// is normalised once per thread (see normaliser.cpp).
  word term_word(std::string_view raw) const;

  /// Every synonym, both sides normalised, by the word it replaces.
  const std::map<std::string, std::string, std::less<>>& synonyms() const { return synonyms_; }

private:
  /// The synonym of a normalised word, or null.
  const std::string* synonym_of(std::string_view word) const;

  std::map<std::string, std::string, std::less<>> synonyms_;
  /// [b] bit n: some synonym has a key of n chars (bit 63: 63 or more) that starts with byte b.
  /// Most words have a first byte and a length no key has, and skip the lookup.
  std::array<std::uint64_t, 256> key_lengths_{};
  std::uint64_t id_;  ///< this normaliser among all made: the threads' caches of terms are per normaliser
};

}  // namespace jobmesh::match
