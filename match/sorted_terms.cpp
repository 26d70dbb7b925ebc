#include "match/sorted_terms.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>

namespace jobmesh::match {

namespace {

// `views` sorted, without duplicates, as a set.
sorted_terms set_of(boost::container::small_vector<std::string_view, 32> views) {
  std::sort(views.begin(), views.end());
  views.erase(std::unique(views.begin(), views.end()), views.end());
  return sorted_terms::from_sorted(views);
}

}  // namespace

sorted_terms::sorted_terms(const std::vector<std::string>& terms) : sorted_terms(set_of({terms.begin(), terms.end()})) {}

sorted_terms sorted_terms::from_sorted(std::span<const std::string_view> terms) {
  sorted_terms out;
  out.words_.reserve(terms.size());
  for (auto t : terms)
    out.words_.emplace_back(t);
  return out;
}

sorted_terms::sorted_terms(std::initializer_list<std::string_view> terms)
    : sorted_terms(set_of({terms.begin(), terms.end()})) {}

void sorted_terms::insert(std::string_view term) {
  auto at = std::lower_bound(begin(), end(), term);
  if (at != end() && *at == term)
    return;
  words_.insert(words_.begin() + (at - begin()), word{term});
}

std::size_t common_count(const sorted_terms& a, const sorted_terms& b) {
  std::size_t n = 0;
  auto i = a.words().begin(), j = b.words().begin();
  while (i != a.words().end() && j != b.words().end()) {
    auto x = *i, y = *j;
    if (x == y) {  // the same word: no text read
      ++n;
      ++i;
      ++j;
    } else if (x < y) {
      ++i;
    } else {
      ++j;
    }
  }
  return n;
}

}  // namespace jobmesh::match
