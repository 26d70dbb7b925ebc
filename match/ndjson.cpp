#include "match/ndjson.hpp"

#include "match/json_keys.hpp"
#include "match/json_text.hpp"

#include "match/detail/field_reader.hpp"
#include "match/detail/mapped_file.hpp"
#include "match/detail/memory.hpp"
#include "match/detail/threads.hpp"
#include "match/query.hpp"

#include <algorithm>
#include <array>
#include <boost/container_hash/hash.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <utility>

namespace jobmesh::match {

namespace {

using detail::field_reader;
using detail::field_table;

constexpr double k_unbounded = std::numeric_limits<double>::max();

constexpr std::string_view k_posting_names[] = {
    "id", "company", "title", "category", "industry", "subcategory", "country", "city", "lat", "lon",
    "work_mode", "employment_type", "required_skills", "certifications", "salary_min", "salary_max",
    "experience_level", "min_years", "posted_date", "deadline_date"};
constexpr field_table k_posting{k_posting_names};

constexpr std::string_view k_candidate_names[] = {
    "id", "full_name", "country", "city", "lat", "lon", "max_distance_km", "industry", "subcategory",
    "preferred_categories", "skills", "certifications", "years_experience", "experience_level",
    "education_level", "expected_salary", "current_salary", "rating", "review_count", "completed_jobs",
    "engagement"};
constexpr field_table k_candidate{k_candidate_names};

void read_fields(field_reader& r, posting& p) {
  constexpr const auto& k = k_posting;
  r.id(k["id"], p.id);
  r.required_word(k["company"], p.company);
  r.required_string(k["title"], p.title, false);
  for (auto [f, out] : {std::pair{k["category"], &p.category}, {k["industry"], &p.industry},
                        {k["subcategory"], &p.subcategory}, {k["country"], &p.country}, {k["city"], &p.city}})
    r.optional_string(f, *out);
  r.coordinates(k["lat"], k["lon"], p.coordinates);
  r.choice<work_mode>(k["work_mode"], p.mode, parse_work_mode, "onsite, hybrid, remote");
  r.choice<employment_type>(k["employment_type"], p.employment, parse_employment_type,
                            "full_time, part_time, contract, internship");
  r.string_list(k["required_skills"], p.required_skills);
  r.string_list(k["certifications"], p.certifications);
  r.number(k["salary_min"], p.salary_min, 0, k_unbounded);
  r.number(k["salary_max"], p.salary_max, 0, k_unbounded);
  // Either bound may be stated alone (0 = not stated); the order matters only when both are.
  if (!r.failed() && p.salary_min > 0 && p.salary_max > 0 && p.salary_min > p.salary_max)
    r.fail("salary_min", fmt::format("salary_min must be <= salary_max, got {} > {}", p.salary_min, p.salary_max));
  r.level(k["experience_level"], p.experience_level);
  r.number(k["min_years"], p.min_years, 0, k_unbounded);
  r.date(k["posted_date"], p.posted_date);
  r.date(k["deadline_date"], p.deadline_date);
}

void read_fields(field_reader& r, candidate& c) {
  constexpr const auto& k = k_candidate;
  r.id(k["id"], c.id);
  for (auto [f, out] : {std::pair{k["full_name"], &c.full_name}, {k["country"], &c.country}, {k["city"], &c.city},
                        {k["industry"], &c.industry}, {k["subcategory"], &c.subcategory}})
    r.optional_string(f, *out);
  r.coordinates(k["lat"], k["lon"], c.coordinates);
  r.number(k["max_distance_km"], c.max_distance_km, 0, k_unbounded, true);
  r.string_list(k["preferred_categories"], c.preferred_categories);
  r.string_list(k["skills"], c.skills);
  r.string_list(k["certifications"], c.certifications);
  r.number(k["years_experience"], c.years_experience, 0, k_unbounded);
  r.level(k["experience_level"], c.experience_level);
  // Only a present level is read: an explicit null is not "asked", so it stays among the extras.
  if (r.present(k["education_level"])) {
    education_level e{};
    r.choice<education_level>(k["education_level"], e, parse_education_level,
                              "none, high_school, bachelor, master, phd");
    c.education = e;
  }
  r.number(k["expected_salary"], c.expected_salary, 0, k_unbounded);
  r.number(k["current_salary"], c.current_salary, 0, k_unbounded);
  r.number(k["rating"], c.rating, 0, 5);
  r.integer(k["review_count"], c.review_count, 0);
  r.integer(k["completed_jobs"], c.completed_jobs, 0);
  r.number(k["engagement"], c.engagement, 0, 1);
}

const field_table& fields_of(const posting&) {
  return k_posting;
}

const field_table& fields_of(const candidate&) {
  return k_candidate;
}

// The ids taken so far, as indices into the records read. Ids that arrive in increasing order
// (generated files, exports sorted by id) need no table: being larger than the previous id proves
// an id new. The first id out of order moves every earlier one into a hash set of indices, four
// bytes a slot so that it stays in cache (a set of strings took a sixth of the reading time).
template <class Record>
class id_set {
public:
  /// `records` (the slots filled so far) outlives the set; `expected`: how many records may
  /// come (sizes the table).
  id_set(const Record* records, std::size_t expected)
      : records_(records), expected_(expected), ids_(0, by_id{records}, by_id{records}) {}

  /// False when an earlier record has the id of `records[i]` (the last one); otherwise
  /// remembers it.
  bool insert(std::size_t i) {
    if (!hashing_) {
      if (i == 0 || records_[i - 1].id < records_[i].id)
        return true;
      hashing_ = true;
      ids_.reserve(expected_);
      for (std::size_t earlier = 0; earlier < i; ++earlier)
        ids_.insert(static_cast<std::uint32_t>(earlier));
    }
    return ids_.insert(static_cast<std::uint32_t>(i)).second;
  }

  /// Whether every id so far came in increasing order.
  bool ascending() const { return !hashing_; }

private:
  struct by_id {
    const Record* records;
    std::string_view id(std::uint32_t i) const { return records[i].id; }
    std::size_t operator()(std::uint32_t i) const { return boost::hash<std::string_view>{}(id(i)); }
    bool operator()(std::uint32_t a, std::uint32_t b) const { return id(a) == id(b); }
  };

  const Record* records_;
  std::size_t expected_;
  bool hashing_ = false;
  boost::unordered_flat_set<std::uint32_t, by_id, by_id> ids_;  // fewer than 2^32 records: a 2 TB input
};

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// `line` without the whitespace around it (a line that is not blank).
std::string_view trimmed(std::string_view line) {
  auto first = line.find_first_not_of(" \t\r");
  auto last = line.find_last_not_of(" \t\r");
  return line.substr(first, last - first + 1);
}

std::string id_taken_message(const std::string& id) {
  return fmt::format("id \"{}\" appears on an earlier line", id);
}

// Room for the records of `text`, which has `newlines` line ends: a record takes a line of at
// least `{"id":"x"}`, which bounds the room asked for when most lines are blank.
std::size_t most_records(std::string_view text, std::size_t newlines) {
  constexpr std::size_t k_shortest_record = 11;
  auto lines = newlines + (text.empty() || text.back() == '\n' ? 0 : 1);
  return std::min(lines, text.size() / k_shortest_record + 1);
}

std::size_t newlines_in(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// What one slice of the text gave: its records fill the first `taken` slots of its region.
struct slice_result {
  std::size_t taken = 0;
  std::vector<record_error> errors;
  std::vector<std::uint32_t> lines;  ///< the line of each taken record (kept only when asked)
  std::vector<std::string_view> sources;  ///< the text of each taken record (kept only when asked)
  bool ascending = true;             ///< the taken ids came in increasing order
};

// A record back to its defaults, keeping the room its strings and lists hold: the preparing
// reader reads every line into one record, so that only the prepared form allocates.
void clear(posting& p) {
  static_assert(sizeof(posting) == 456, "a field was added to posting: clear it here too");
  static const posting defaults;
  for (auto* s : {&p.id, &p.company, &p.title, &p.category, &p.industry, &p.subcategory, &p.country, &p.city,
                  &p.posted_date, &p.deadline_date})
    s->clear();
  p.coordinates.reset();
  p.mode = work_mode::onsite;
  p.employment = employment_type::full_time;
  p.required_skills.clear();
  p.certifications.clear();
  p.salary_min = p.salary_max = p.min_years = 0;
  p.experience_level = defaults.experience_level;
  p.extra.clear();
}

void clear(candidate& c) {
  static_assert(sizeof(candidate) == 384, "a field was added to candidate: clear it here too");
  static const candidate defaults;
  for (auto* s : {&c.id, &c.full_name, &c.country, &c.city, &c.industry, &c.subcategory})
    s->clear();
  c.coordinates.reset();
  c.max_distance_km = defaults.max_distance_km;
  for (auto* v : {&c.preferred_categories, &c.skills, &c.certifications})
    v->clear();
  c.years_experience = c.expected_salary = c.current_salary = c.rating = c.engagement = 0;
  c.experience_level = defaults.experience_level;
  c.education.reset();
  c.review_count = c.completed_jobs = 0;
  c.extra.clear();
}

// Reads `text` (whose first line is line `first_line` + 1) into `region`, which has a slot per
// possible record, default-constructed. Each line is parsed on its own (one reused parser, one
// reused padded buffer) so that a bad line is reported with the error simdjson gives for that
// line alone and never disturbs its neighbours. When `Out` is `Record`, a record is built in its
// slot and the slot is cleared again when a rule fails. When `Out` is the prepared form, each
// line is read into one reused record and its slot receives the prepared record (`words`): no
// record of the parsed form is kept, nor allocated per line.
template <class Record, class Out>
slice_result read_slice(std::string_view text, std::size_t first_line, Out* region, std::size_t slots,
                        bool keep_lines, const normaliser* words, bool keep_sources = false) {
  constexpr bool preparing = !std::is_same_v<Record, Out>;
  slice_result out;
  id_set<Out> ids{region, slots};
  simdjson::dom::parser parser;
  Record scratch;  // read into when preparing
  std::size_t line_no = first_line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    auto line = text.substr(pos, eol == std::string_view::npos ? text.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++line_no;
    if (is_blank(line))
      continue;
    simdjson::dom::element doc;
    simdjson::dom::object obj;
    // simdjson reads up to SIMDJSON_PADDING bytes past a line (whatever they hold): a line with
    // that much of the text after it is parsed where it is, the text's last ones from a copy.
    bool copy = static_cast<std::size_t>(text.data() + text.size() - (line.data() + line.size())) < simdjson::SIMDJSON_PADDING;
    if (auto err = parser.parse(line.data(), line.size(), copy).get(doc)) {
      out.errors.push_back({line_no, "", fmt::format("not a JSON object: {}", json_problem(err))});
      continue;
    }
    if (auto err = doc.get_object().get(obj)) {
      out.errors.push_back({line_no, "", fmt::format("not a JSON object: {}", json_problem(err))});
      continue;
    }
    field_reader reader{obj, line_no, fields_of(scratch)};
    if (auto twice = reader.repeated_key()) {
      out.errors.push_back({line_no, *twice, duplicate_key_message(*twice)});
      continue;
    }
    auto& slot = region[out.taken];
    Record* rec = nullptr;
    if constexpr (preparing) {
      clear(scratch);
      rec = &scratch;
    } else {
      rec = &slot;
    }
    read_fields(reader, *rec);
    if (reader.failed()) {
      out.errors.push_back(*reader.error());
      if constexpr (!preparing)
        slot = Out{};
      continue;
    }
    if constexpr (preparing)
      prepare_into(scratch, *words, slot);
    else
      slot.extra = reader.extras();
    if (!ids.insert(out.taken)) {
      out.errors.push_back({line_no, "id", id_taken_message(slot.id)});
      slot = Out{};
      continue;
    }
    if (keep_lines)
      out.lines.push_back(static_cast<std::uint32_t>(line_no));
    if (keep_sources)
      out.sources.push_back(trimmed(line));
    ++out.taken;
  }
  out.ascending = ids.ascending();
  return out;
}

template <class Record, class Out = Record>
read_result<Out> read_all(std::string_view text, const normaliser* words = nullptr) {
  read_result<Out> out;
  // Sized once: growing would move each record and touch twice the memory.
  detail::resize_populated(out.records, most_records(text, newlines_in(text)));
  constexpr bool preparing = !std::is_same_v<Record, Out>;
  auto slice = read_slice<Record>(text, 0, out.records.data(), out.records.size(), false, words, !preparing);
  out.records.resize(slice.taken);
  out.errors = std::move(slice.errors);
  out.sources = std::move(slice.sources);
  return out;
}

// Slices' records whose id an earlier slice took are refused, as one reader would have (the
// slices alone saw only their own ids). `keep[i]` says whether slot i stays.
template <class Out>
void refuse_ids_taken_by_earlier_slices(const std::vector<Out>& records, std::span<const std::size_t> starts,
                                        std::vector<slice_result>& slices, std::vector<bool>& keep,
                                        std::vector<record_error>& errors) {
  bool ordered = true;
  for (std::size_t t = 0; t < slices.size(); ++t) {
    ordered = ordered && slices[t].ascending;
    if (t > 0 && slices[t].taken > 0) {
      // The last taken record before this slice's first, if any, must have the smaller id.
      for (auto u = t; u-- > 0;)
        if (slices[u].taken > 0) {
          ordered = ordered && records[starts[u] + slices[u].taken - 1].id < records[starts[t]].id;
          break;
        }
    }
  }
  if (ordered)
    return;
  boost::unordered_flat_set<std::string_view> seen;
  for (std::size_t t = 0; t < slices.size(); ++t)
    for (std::size_t i = 0; i < slices[t].taken; ++i) {
      const auto& id = records[starts[t] + i].id;
      if (!seen.insert(id).second) {
        keep[starts[t] + i] = false;
        errors.push_back({slices[t].lines[i], "id", id_taken_message(id)});
      }
    }
}

// Reads NDJSON text a block at a time (or all at once, as one block) into one result, as one
// reader of the whole text would: each block is cut at line ends into a slice per thread, read
// into its own region of one vector; ids are checked across every slice of every block and the
// records packed down once, at the end. A block is whole lines (the text's last may lack its
// newline).
template <class Record, class Out>
class block_reader {
public:
  /// `expected_bytes`: the text's whole size when known (0: unknown), to size the records once.
  block_reader(unsigned threads, std::size_t smallest_slice, const normaliser* words, std::size_t expected_bytes)
      : threads_(threads), smallest_slice_(std::max<std::size_t>(smallest_slice, 1)), words_(words),
        expected_bytes_(expected_bytes) {}

  void add(std::string_view text) {
    auto threads = detail::thread_count(threads_, text.size(), smallest_slice_);
    std::vector<std::string_view> texts;
    std::vector<std::size_t> first_line;
    auto first_slice = slices_.size();
    std::size_t pos = 0, lines = lines_, slots = slots_;
    for (unsigned t = 0; t < threads; ++t) {
      auto end = t + 1 == threads ? text.size() : text.find('\n', std::max(pos, text.size() / threads * (t + 1)));
      end = end == std::string_view::npos ? text.size() : std::min(text.size(), end + 1);
      texts.push_back(text.substr(pos, end - pos));
      pos = end;
    }
    // Each slice's lines counted on its own thread (on one, a block's count was ~3% of reading).
    std::vector<std::size_t> newlines(threads);
    detail::run_on_threads(threads, [&](unsigned t) { newlines[t] = newlines_in(texts[t]); });
    for (unsigned t = 0; t < threads; ++t) {
      first_line.push_back(lines);
      starts_.push_back(slots);
      lines += newlines[t];
      slots += most_records(texts[t], newlines[t]);
    }
    reserve_for(slots, text.size());
    detail::resize_populated(out_.records, slots, threads);
    slices_.resize(first_slice + threads);
    auto read = [&](unsigned t) {
      auto i = first_slice + t;
      auto region_end = i + 1 < starts_.size() ? starts_[i + 1] : slots;
      slices_[i] = read_slice<Record>(texts[t], first_line[t], out_.records.data() + starts_[i], region_end - starts_[i],
                                      true, words_);
    };
    detail::run_on_threads(threads, read);
    lines_ = lines;
    slots_ = slots;
    bytes_ += text.size();
  }

  read_result<Out> finish() && {
    starts_.push_back(slots_);
    auto& out = out_;
    std::vector<bool> keep(slots_, true);
    for (auto& s : slices_)
      out.errors.insert(out.errors.end(), std::make_move_iterator(s.errors.begin()), std::make_move_iterator(s.errors.end()));
    refuse_ids_taken_by_earlier_slices(out.records, starts_, slices_, keep, out.errors);
    std::stable_sort(out.errors.begin(), out.errors.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    // Each slice's records move down to follow the last kept one: nothing moves when the slices
    // before had no blank or refused line (a region has a slot per line).
    std::size_t kept = 0;
    for (std::size_t t = 0; t < slices_.size(); ++t)
      for (std::size_t i = starts_[t]; i < starts_[t] + slices_[t].taken; ++i) {
        if (!keep[i])
          continue;
        if (kept != i)
          out.records[kept] = std::move(out.records[i]);
        ++kept;
      }
    out.records.resize(kept);
    return std::move(out);
  }

private:
  // Room for `slots` records, and for the rest of the text at the rate seen so far (a tenth
  // more): the records are not moved as blocks arrive, unless the text's lines get shorter (or
  // its size is unknown); then the room grows by half at least, so that they move a few times
  // in all, not at every block.
  void reserve_for(std::size_t slots, std::size_t block_bytes) {
    auto capacity = out_.records.capacity();
    if (slots <= capacity)
      return;
    auto seen = bytes_ + block_bytes;
    std::size_t room = slots;
    if (expected_bytes_ > seen)
      room += static_cast<std::size_t>(static_cast<double>(slots) * static_cast<double>(expected_bytes_ - seen) /
                                       static_cast<double>(seen) * 1.1);
    out_.records.reserve(std::max(room, capacity + capacity / 2));
  }

  unsigned threads_;
  std::size_t smallest_slice_;
  const normaliser* words_;
  std::size_t expected_bytes_;
  read_result<Out> out_;
  std::vector<slice_result> slices_;
  std::vector<std::size_t> starts_;  ///< where each slice's region begins
  std::size_t lines_ = 0, slots_ = 0, bytes_ = 0;
};

template <class Record, class Out = Record>
read_result<Out> read_all(std::string_view text, unsigned threads, std::size_t smallest_slice,
                          const normaliser* words = nullptr) {
  threads = detail::thread_count(threads, text.size(), std::max<std::size_t>(smallest_slice, 1));
  if (threads == 1)
    return read_all<Record, Out>(text, words);
  block_reader<Record, Out> reader{threads, smallest_slice, words, text.size()};
  reader.add(text);
  return std::move(reader).finish();
}

// `path` opened to read, and its size when it is a regular file (0: unknown, as for a pipe);
// throws naming the path when it cannot be opened.
std::pair<std::ifstream, std::size_t> open_ndjson(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw std::runtime_error(fmt::format("cannot read {}", path));
  std::error_code ec;
  std::size_t size = 0;
  if (std::filesystem::is_regular_file(path, ec))
    if (auto bytes = std::filesystem::file_size(path, ec); !ec)
      size = static_cast<std::size_t>(bytes);
  return {std::move(in), size};
}

std::runtime_error read_failed(const std::string& path) {
  return std::runtime_error(fmt::format("cannot read {}: the read failed", path));
}

// A block's bytes, not zeroed: every byte is written by a read before it is read, and zeroing
// the two 64 MiB buffers up front took one thread ~0.2-0.3 s on fresh pages before the first
// block was parsed (the second buffer's pages are now first touched by the thread reading ahead).
class block_buffer {
public:
  explicit block_buffer(std::size_t n) : data_(new char[n]), size_(n) {}
  char* data() { return data_.get(); }
  std::size_t size() const { return size_; }
  /// Room for at least `n` bytes, its first `keep` bytes kept.
  void grow(std::size_t n, std::size_t keep) {
    if (n <= size_)
      return;
    std::unique_ptr<char[]> bigger(new char[n]);
    std::memcpy(bigger.get(), data_.get(), keep);
    data_ = std::move(bigger);
    size_ = n;
  }

private:
  std::unique_ptr<char[]> data_;
  std::size_t size_;
};

// `text` to `reader` a block of about `block` bytes at a time, each cut after a line's end (a
// line longer than a block is a block of its own; the text's last line may lack its newline).
// `done(end)` is called after each block with the offset of its end.
template <class Reader, class Done>
void add_by_blocks(Reader& reader, std::string_view text, std::size_t block, Done done) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.size();
    if (text.size() - pos > block) {
      auto last_newline = text.rfind('\n', pos + block - 1);
      if (last_newline == std::string_view::npos || last_newline < pos)
        last_newline = text.find('\n', pos + block);
      if (last_newline != std::string_view::npos)
        end = last_newline + 1;
    }
    reader.add(text.substr(pos, end - pos));
    done(end);
    pos = end;
  }
}

// A file read and prepared a block at a time. A regular file is mapped and its blocks read in
// place. Anything else (a pipe) is read in two buffers: while one block's lines become records,
// the next block is read into the other on a thread of its own. Only whole lines go to the
// reader (a block's last partial line starts the next one); a line longer than a block grows
// the buffers until it fits.
template <class Record, class Out>
read_result<Out> read_file(const std::string& path, const normaliser& words, unsigned threads, std::size_t block_bytes,
                           std::size_t smallest_slice) {
  const auto block = std::max<std::size_t>(block_bytes, 1);
  if (auto mapped = detail::mapped_file::open(path)) {
    block_reader<Record, Out> reader{threads, smallest_slice, &words, mapped->text().size()};
    add_by_blocks(reader, mapped->text(), block, [&](std::size_t end) { mapped->release_before(end); });
    return std::move(reader).finish();
  }
  auto opened = open_ndjson(path);  // (not a structured binding: clang's lambdas cannot capture one)
  auto& in = opened.first;
  block_reader<Record, Out> reader{threads, smallest_slice, &words, opened.second};
  // The bytes in `b` once it is read full from `from` on (fewer at the file's end).
  auto fill = [&](block_buffer& b, std::size_t from) {
    in.read(b.data() + from, static_cast<std::streamsize>(b.size() - from));
    if (in.bad())
      throw read_failed(path);
    return from + static_cast<std::size_t>(in.gcount());
  };
  std::array<block_buffer, 2> buffers{block_buffer{block}, block_buffer{block}};
  std::size_t current = 0;
  std::size_t have = fill(buffers[0], 0);
  for (;;) {
    auto& text = buffers[current];
    if (have < text.size()) {  // the end of the file
      if (have > 0)
        reader.add({text.data(), have});
      break;
    }
    auto last_newline = std::string_view{text.data(), have}.rfind('\n');
    if (last_newline == std::string_view::npos) {
      text.grow(text.size() * 2, have);
      have = fill(text, have);
      continue;
    }
    auto whole = last_newline + 1;
    auto& next = buffers[1 - current];
    next.grow(text.size(), 0);
    std::memcpy(next.data(), text.data() + whole, have - whole);
    auto reading = std::async(std::launch::async, fill, std::ref(next), have - whole);
    reader.add({text.data(), whole});  // (on an exception, `reading`'s end is awaited first)
    have = reading.get();
    current = 1 - current;
  }
  return std::move(reader).finish();
}

// Whole numbers go out as integers ("salary_max":47000, not 4.7E4); others as doubles.
boost::json::value num(double x) {
  if (std::trunc(x) == x && std::abs(x) < 1e15)
    return boost::json::value(static_cast<std::int64_t>(x));
  return boost::json::value(x);
}

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

void put_extras(boost::json::object& o, const std::vector<extra_field>& extra) {
  for (const auto& [key, raw] : extra)
    o[key] = boost::json::parse(raw);
}

void put_coordinates(boost::json::object& o, const std::optional<geo_point>& g) {
  if (!g)
    return;
  o["lat"] = num(g->lat);
  o["lon"] = num(g->lon);
}

}  // namespace

read_result<posting> read_postings(std::string_view ndjson) {
  return read_all<posting>(ndjson);
}

std::string one_line(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      out += c;
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out += c;
    }
  }
  return out;
}

read_result<candidate> read_candidates(std::string_view ndjson) {
  return read_all<candidate>(ndjson);
}

read_result<posting> read_postings(std::string_view ndjson, unsigned threads, std::size_t smallest_slice) {
  return read_all<posting>(ndjson, threads, smallest_slice);
}

read_result<candidate> read_candidates(std::string_view ndjson, unsigned threads, std::size_t smallest_slice) {
  return read_all<candidate>(ndjson, threads, smallest_slice);
}

read_result<prepared_posting> read_prepared_postings(std::string_view ndjson, const normaliser& words, unsigned threads,
                                                     std::size_t smallest_slice) {
  return read_all<posting, prepared_posting>(ndjson, threads, smallest_slice, &words);
}

read_result<prepared_candidate> read_prepared_candidates(std::string_view ndjson, const normaliser& words,
                                                         unsigned threads, std::size_t smallest_slice) {
  return read_all<candidate, prepared_candidate>(ndjson, threads, smallest_slice, &words);
}

read_result<prepared_posting> read_prepared_postings_file(const std::string& path, const normaliser& words,
                                                          unsigned threads, std::size_t block_bytes,
                                                          std::size_t smallest_slice) {
  return read_file<posting, prepared_posting>(path, words, threads, block_bytes, smallest_slice);
}

read_result<prepared_candidate> read_prepared_candidates_file(const std::string& path, const normaliser& words,
                                                              unsigned threads, std::size_t block_bytes,
                                                              std::size_t smallest_slice) {
  return read_file<candidate, prepared_candidate>(path, words, threads, block_bytes, smallest_slice);
}

std::string read_ndjson_file(const std::string& path) {
  auto [in, size] = open_ndjson(path);
  // A regular file is read in one piece of its size; then blocks until the end, so a pipe (or
  // a file that grew meanwhile) reads too.
  constexpr std::size_t k_block = std::size_t{1} << 20;
  std::size_t block = size > 0 ? size : k_block;
  std::string text;
  for (;;) {
    auto have = text.size();
    text.reserve(have + block);
    detail::populate(text.data() + have, block);
    text.resize(have + block);
    in.read(text.data() + have, static_cast<std::streamsize>(block));
    text.resize(have + static_cast<std::size_t>(in.gcount()));
    if (!in || in.peek() == std::ifstream::traits_type::eof())
      break;
    block = k_block;
  }
  if (in.bad())
    throw read_failed(path);
  return text;
}

std::string to_json(const posting& p) {
  boost::json::object o{{"id", p.id}, {"company", p.company}, {"title", p.title}, {"category", p.category},
                        {"industry", p.industry}, {"subcategory", p.subcategory}, {"country", p.country},
                        {"city", p.city}, {"work_mode", to_string(p.mode)},
                        {"employment_type", to_string(p.employment)},
                        {"required_skills", strings(p.required_skills)},
                        {"certifications", strings(p.certifications)}, {"salary_min", num(p.salary_min)},
                        {"salary_max", num(p.salary_max)}, {"experience_level", experience_level_name(p.experience_level)},
                        {"min_years", num(p.min_years)}};
  put_coordinates(o, p.coordinates);
  if (!p.posted_date.empty())
    o["posted_date"] = p.posted_date;
  if (!p.deadline_date.empty())
    o["deadline_date"] = p.deadline_date;
  put_extras(o, p.extra);
  return json_text(o);
}

std::string to_json(const candidate& c) {
  boost::json::object o{{"id", c.id}, {"full_name", c.full_name}, {"country", c.country}, {"city", c.city},
                        {"max_distance_km", num(c.max_distance_km)}, {"industry", c.industry},
                        {"subcategory", c.subcategory}, {"preferred_categories", strings(c.preferred_categories)},
                        {"skills", strings(c.skills)}, {"certifications", strings(c.certifications)},
                        {"years_experience", num(c.years_experience)},
                        {"experience_level", experience_level_name(c.experience_level)},
                        {"expected_salary", num(c.expected_salary)}, {"current_salary", num(c.current_salary)},
                        {"rating", num(c.rating)}, {"review_count", c.review_count},
                        {"completed_jobs", c.completed_jobs}, {"engagement", num(c.engagement)}};
  put_coordinates(o, c.coordinates);
  if (c.education)
    o["education_level"] = to_string(*c.education);
  put_extras(o, c.extra);
  return json_text(o);
}

// Written by hand for speed and plain numbers: ids are [A-Za-z0-9_.:-] (checked on input) and
// factor names are fixed, so nothing needs escaping; fmt writes the shortest round-trip form.
std::string results_to_json(const source_results& r, const profile& prof) {
  std::string out = fmt::format(R"({{"source":"{}","results":[)", r.source);
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    const auto& m = r.results[i];
    out += fmt::format(R"({}{{"id":"{}","score":{},"factors":{{)", i == 0 ? "" : ",", m.id, m.score);
    for (std::size_t k = 0; k < prof.used.size(); ++k)
      out += fmt::format(R"({}"{}":{})", k == 0 ? "" : ",", to_string(prof.used[k]),
                         m.factors[static_cast<std::size_t>(prof.used[k])]);
    out += "}}";
  }
  out += "]}";
  return out;
}

}  // namespace jobmesh::match
