#include "match/stored_form.hpp"

#include <bit>
#include <boost/container/small_vector.hpp>
#include <cstring>
#include <stdexcept>
#include <fmt/format.h>
#include <unicode/uchar.h>

namespace jobmesh::match {

namespace {

static_assert(std::endian::native == std::endian::little,
              "forms store numbers in the machine's order; this one would read them back wrong");

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

template <class T>
void put_raw(std::string& out, T v) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_text(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

void put_coordinates(std::string& out, const std::optional<geo_point>& g) {
  out.push_back(g ? 1 : 0);
  if (g) {
    put_raw(out, g->lat);
    put_raw(out, g->lon);
  }
}

template <class Range>
void put_texts(std::string& out, const Range& texts) {
  put_varint(out, texts.size());
  for (std::string_view t : texts)
    put_text(out, t);
}

// Reads a form front to back; any read past its end or of a value out of range leaves it
// failed, and every later read gives a default (checked once, at the end).
class form_reader {
public:
  explicit form_reader(std::string_view bytes) : at_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool whole() const { return ok_ && at_ == end_; }
  bool ok() const { return ok_; }
  bool done() const { return at_ == end_; }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (at_ == end_)
        return fail();
      auto byte = static_cast<unsigned char>(*at_++);
      v |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0)
        return v;
    }
    return fail();
  }

  template <class T>
  T raw() {
    T v{};
    if (static_cast<std::size_t>(end_ - at_) < sizeof(T)) {
      fail();
      return v;
    }
    std::memcpy(&v, at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }

  std::string_view text() {
    auto n = varint();
    if (n > static_cast<std::size_t>(end_ - at_)) {
      fail();
      return {};
    }
    std::string_view s{at_, n};
    at_ += n;
    return s;
  }

  template <class E>
  E choice(std::uint8_t count) {
    auto v = raw<std::uint8_t>();
    if (v >= count)
      fail();
    return static_cast<E>(v);
  }

  std::optional<geo_point> coordinates() {
    auto present = raw<std::uint8_t>();
    if (present > 1)
      fail();
    if (present == 0)
      return std::nullopt;
    geo_point g;
    g.lat = raw<double>();
    g.lon = raw<double>();
    return g;
  }

  // A list's length, bounded by the bytes left (each entry takes at least one).
  std::size_t count() {
    auto n = varint();
    if (n > static_cast<std::size_t>(end_ - at_))
      return fail();
    return n;
  }

  sorted_terms terms() {
    boost::container::small_vector<std::string_view, 32> views(count());
    for (auto& v : views)
      v = text();
    // Written from a set: sorted, distinct and without the empty term, which from_sorted
    // takes on trust.
    for (std::size_t i = 0; i < views.size(); ++i)
      if (views[i].empty() || (i > 0 && !(views[i - 1] < views[i])))
        fail();
    return ok_ ? sorted_terms::from_sorted(views) : sorted_terms{};
  }

private:
  std::uint64_t fail() {
    ok_ = false;
    at_ = end_;
    return 0;
  }

  const char* at_;
  const char* end_;
  bool ok_ = true;
};

// How many forms a chunk holds (as far as its framing goes): the shards keep a load's records
// in the vector they are read into, so its room is taken once and exactly (grown by doubling,
// a quarter of it stayed empty on average: ~90 MB of 1M postings).
std::size_t forms_in(std::string_view chunk) {
  std::size_t n = 0;
  form_reader framing{chunk};
  while (!framing.done()) {
    framing.text();
    n += framing.ok() ? 1 : 0;
  }
  return n;
}

template <class Prepared>
chunk_read<Prepared> read_chunk(std::string_view chunk) {
  chunk_read<Prepared> out;
  out.records.reserve(forms_in(chunk));
  form_reader framing{chunk};
  while (!framing.done()) {
    auto form = framing.text();
    if (!framing.ok())
      throw std::invalid_argument(fmt::format("a chunk of stored forms is cut short after {} forms",
                                              out.records.size() + out.broken));
    if (form.empty()) {
      ++out.broken;
      continue;
    }
    if (!read_form(form, out.records.emplace_back()))
      throw std::invalid_argument(fmt::format("stored form {} of a chunk is not a form of layout {}",
                                              out.records.size() + out.broken, k_form_layout));
  }
  return out;
}

}  // namespace

std::int64_t form_fingerprint(const normaliser& n) {
  // FNV-1a: the same on every build, where std::hash need not be.
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
    h ^= 0xff;  // ends each piece, so that ("ab", "c") and ("a", "bc") differ
    h *= 0x100000001b3ull;
  };
  mix(fmt::format("layout {}", k_form_layout));
  mix(U_UNICODE_VERSION);  // the case and white space tables words are normalised by (ICU's)
  for (const auto& [from, to] : n.synonyms()) {
    mix(from);
    mix(to);
  }
  return static_cast<std::int64_t>(h);
}

void append_form(const prepared_posting& r, std::string& out) {
  put_text(out, r.id);
  put_text(out, r.company);
  for (word w : {r.category, r.industry, r.subcategory, r.country, r.city})
    put_text(out, w.view());
  out.push_back(static_cast<char>(r.mode));
  out.push_back(static_cast<char>(r.employment));
  put_raw<std::int32_t>(out, r.level);
  put_coordinates(out, r.coordinates);
  put_texts(out, r.skills);
  put_raw(out, r.min_years);
  put_raw(out, r.salary_max);
}

void append_form(const prepared_candidate& r, std::string& out) {
  put_text(out, r.id);
  for (word w : {r.country, r.city, r.industry, r.subcategory})
    put_text(out, w.view());
  put_coordinates(out, r.coordinates);
  put_raw(out, r.max_distance_km);
  put_texts(out, r.preferred_categories);
  put_texts(out, r.skills);
  put_raw(out, r.years_experience);
  put_raw<std::int32_t>(out, r.level);
  for (double v : {r.expected_salary, r.rating})
    put_raw(out, v);
  put_raw(out, r.review_count);
  put_raw(out, r.completed_jobs);
  put_raw(out, r.engagement);
}

bool read_form(std::string_view bytes, prepared_posting& out) {
  form_reader in{bytes};
  out.id = in.text();
  out.company = in.text();
  for (word* w : {&out.category, &out.industry, &out.subcategory, &out.country, &out.city})
    *w = word{in.text()};
  out.mode = in.choice<work_mode>(3);
  out.employment = in.choice<employment_type>(4);
  out.level = in.raw<std::int32_t>();
  out.coordinates = in.coordinates();
  out.skills = in.terms();
  out.min_years = in.raw<double>();
  out.salary_max = in.raw<double>();
  return in.whole() && !out.id.empty();
}

bool read_form(std::string_view bytes, prepared_candidate& out) {
  form_reader in{bytes};
  out.id = in.text();
  for (word* w : {&out.country, &out.city, &out.industry, &out.subcategory})
    *w = word{in.text()};
  out.coordinates = in.coordinates();
  out.max_distance_km = in.raw<double>();
  out.preferred_categories.resize(in.count());
  for (auto& c : out.preferred_categories)
    c = in.text();
  out.skills = in.terms();
  out.years_experience = in.raw<double>();
  out.level = in.raw<std::int32_t>();
  out.expected_salary = in.raw<double>();
  out.rating = in.raw<double>();
  out.review_count = in.raw<std::int64_t>();
  out.completed_jobs = in.raw<std::int64_t>();
  out.engagement = in.raw<double>();
  return in.whole() && !out.id.empty();
}

void append_to_chunk(std::string& chunk, std::string_view form) {
  put_text(chunk, form);
}

chunk_read<prepared_posting> read_posting_chunk(std::string_view chunk) {
  return read_chunk<prepared_posting>(chunk);
}

chunk_read<prepared_candidate> read_candidate_chunk(std::string_view chunk) {
  return read_chunk<prepared_candidate>(chunk);
}

}  // namespace jobmesh::match
