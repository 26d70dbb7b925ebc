#include "match/sorted_terms.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <stdexcept>

namespace jobmesh::match {

namespace {

void put_word(std::string& buf, std::size_t at, std::size_t value) {
  if (value > UINT32_MAX)
    throw std::length_error("sorted_terms: more than 4 GB of terms");
  auto w = static_cast<std::uint32_t>(value);
  std::memcpy(buf.data() + at * 4, &w, 4);
}

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
  if (terms.empty())
    return out;
  std::size_t bytes = 0;
  for (auto t : terms)
    bytes += t.size();
  auto& buf = out.buf_;
  buf.resize((1 + terms.size()) * 4 + bytes);
  put_word(buf, 0, terms.size());
  char* next = buf.data() + (1 + terms.size()) * 4;
  std::size_t end = 0;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    std::memcpy(next + end, terms[i].data(), terms[i].size());
    end += terms[i].size();
    put_word(buf, i + 1, end);
  }
  return out;
}

sorted_terms::sorted_terms(std::initializer_list<std::string_view> terms)
    : sorted_terms(set_of({terms.begin(), terms.end()})) {}

void sorted_terms::insert(std::string_view term) {
  auto at = std::lower_bound(begin(), end(), term);
  if (at != end() && *at == term)
    return;
  std::vector<std::string_view> views(begin(), end());  // into this set, read before it is replaced
  views.insert(views.begin() + (at - begin()), term);
  *this = from_sorted(views);
}

std::size_t common_count(const sorted_terms& a, const sorted_terms& b) {
  std::size_t n = 0;
  auto i = a.begin(), j = b.begin();
  while (i != a.end() && j != b.end()) {
    auto x = *i, y = *j;
    if (x < y) {
      ++i;
    } else if (y < x) {
      ++j;
    } else {
      ++n;
      ++i;
      ++j;
    }
  }
  return n;
}

}  // namespace jobmesh::match
