#pragma once
/// A record's skills as scoring reads them: a sorted set of distinct terms, held as pooled
/// words (match/word.hpp: 4 bytes a term, in one allocation) and read as a random-access range
/// of string_views. As a vector of strings, a posting's dozen skills cost a dozen allocations
/// on top of the vector's (and ~400 bytes): a fifth of reading a record went to building it,
/// and as much again to faulting in its memory. As one buffer of their bytes they took ~190
/// bytes and every index build looked each skill up by its text; as words, ~70 bytes, and
/// the build looks them up by number.

#include <compare>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "match/word.hpp"

namespace jobmesh::match {

class sorted_terms {
public:
  class iterator {
  public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using reference = std::string_view;
    using pointer = void;

    iterator() = default;
    iterator(const sorted_terms* set, std::size_t i) : set_(set), i_(i) {}
    std::string_view operator*() const { return (*set_)[i_]; }
    std::string_view operator[](difference_type n) const { return (*set_)[i_ + static_cast<std::size_t>(n)]; }
    iterator& operator++() { ++i_; return *this; }
    iterator operator++(int) { auto old = *this; ++i_; return old; }
    iterator& operator--() { --i_; return *this; }
    iterator operator--(int) { auto old = *this; --i_; return old; }
    iterator& operator+=(difference_type n) { i_ += static_cast<std::size_t>(n); return *this; }
    iterator& operator-=(difference_type n) { i_ -= static_cast<std::size_t>(n); return *this; }
    friend iterator operator+(iterator it, difference_type n) { return it += n; }
    friend iterator operator+(difference_type n, iterator it) { return it += n; }
    friend iterator operator-(iterator it, difference_type n) { return it -= n; }
    friend difference_type operator-(const iterator& a, const iterator& b) {
      return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
    }
    friend bool operator==(const iterator& a, const iterator& b) { return a.i_ == b.i_; }
    friend auto operator<=>(const iterator& a, const iterator& b) { return a.i_ <=> b.i_; }

  private:
    const sorted_terms* set_ = nullptr;
    std::size_t i_ = 0;
  };

  sorted_terms() = default;
  /// Any terms, as given: sorted bytewise (std::string's order), duplicates kept once.
  sorted_terms(std::initializer_list<std::string_view> terms);
  explicit sorted_terms(const std::vector<std::string>& terms);
  /// Terms already sorted (bytewise, as std::string orders them) and distinct.
  static sorted_terms from_sorted(std::span<const std::string_view> terms);
  /// Words already sorted (by text) and distinct.
  static sorted_terms from_words(std::span<const word> terms) {
    sorted_terms out;
    out.words_.assign(terms.begin(), terms.end());
    return out;
  }

  std::size_t size() const { return words_.size(); }
  bool empty() const { return words_.empty(); }
  std::string_view operator[](std::size_t i) const { return words_[i].view(); }
  /// The terms as words, in the set's order.
  std::span<const word> words() const { return words_; }
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }
  std::string_view front() const { return (*this)[0]; }
  std::string_view back() const { return (*this)[size() - 1]; }

  /// Adds `term` in its place (nothing when it is there already).
  void insert(std::string_view term);
  void clear() { words_.clear(); }
  /// The terms as strings.
  std::vector<std::string> strings() const { return {begin(), end()}; }

  bool operator==(const sorted_terms&) const = default;

private:
  std::vector<word> words_;  ///< sorted bytewise by their texts, distinct
};

/// How many terms two sets share.
std::size_t common_count(const sorted_terms& a, const sorted_terms& b);

}  // namespace jobmesh::match
