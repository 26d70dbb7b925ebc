#pragma once
/// Reading and writing postings and candidates as NDJSON (one JSON object per line). Every rule
/// of SPEC-matching.md is checked; a line that breaks one is rejected with an error naming the
/// line, the field and the rule, and the other lines are still taken.

#include "match/prepared.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::match {

/// Why one line was rejected. `line` counts from 1.
struct record_error {
  std::size_t line = 0;
  std::string field;
  std::string message;
};

template <class Record>
struct read_result {
  std::vector<Record> records;
  std::vector<record_error> errors;
  /// Each record's line as given, without the whitespace around it: views into the text read,
  /// valid while it lives. Kept when records are read on one thread and not prepared
  /// (read_postings(text), read_candidates(text)): the server stores a record as given, where
  /// writing it again as JSON cost the storage writer ~2-3 us of a posting's ~8 us upsert.
  std::vector<std::string_view> sources;
};

/// Postings from NDJSON text; blank lines are skipped; ids must be unique (a later duplicate is
/// rejected). Thread-safe (no shared state).
read_result<posting> read_postings(std::string_view ndjson);

/// Candidates from NDJSON text, as `read_postings`.
read_result<candidate> read_candidates(std::string_view ndjson);

/// The same results, read on `threads` threads (0 = every core): the text is cut at line ends
/// into a slice per thread, none shorter than `smallest_slice` bytes (a small text stays on one).
constexpr std::size_t k_smallest_slice = std::size_t{4} << 20;
read_result<posting> read_postings(std::string_view ndjson, unsigned threads,
                                   std::size_t smallest_slice = k_smallest_slice);
read_result<candidate> read_candidates(std::string_view ndjson, unsigned threads,
                                       std::size_t smallest_slice = k_smallest_slice);

/// Records read and prepared in one pass: what `prepare_all` of the reader's records gives,
/// with the same errors, but no record of the parsed form is kept or allocated per line (each
/// thread reads its lines into one reused record), so loading takes half the memory and time.
read_result<prepared_posting> read_prepared_postings(std::string_view ndjson, const normaliser& words,
                                                     unsigned threads = 1,
                                                     std::size_t smallest_slice = k_smallest_slice);
read_result<prepared_candidate> read_prepared_candidates(std::string_view ndjson, const normaliser& words,
                                                         unsigned threads = 1,
                                                         std::size_t smallest_slice = k_smallest_slice);

/// The same from an NDJSON file (or a pipe), `block_bytes` at a time: a regular file is mapped
/// and read in place (no copy of it is made), anything else is read a block at a time into two
/// reused buffers (the next block read while the last is parsed). Either way reading takes the
/// records' memory, not also the file's. Throws std::runtime_error naming the path when it
/// cannot be read. A mapped file cut short by another process while it is read ends the process
/// with a message naming it and exit code 74 (match/detail/mapped_file.hpp).
constexpr std::size_t k_file_block = std::size_t{64} << 20;
read_result<prepared_posting> read_prepared_postings_file(const std::string& path, const normaliser& words,
                                                          unsigned threads = 1, std::size_t block_bytes = k_file_block,
                                                          std::size_t smallest_slice = k_smallest_slice);
read_result<prepared_candidate> read_prepared_candidates_file(const std::string& path, const normaliser& words,
                                                              unsigned threads = 1,
                                                              std::size_t block_bytes = k_file_block,
                                                              std::size_t smallest_slice = k_smallest_slice);

/// A whole NDJSON file as text: a regular file in one read of its size, anything else (a pipe)
/// in blocks to its end; throws std::runtime_error naming the path when it cannot be read.
std::string read_ndjson_file(const std::string& path);

/// `json` on one line: the whitespace outside its strings taken out, the rest as it is (a
/// record sent as pretty-printed JSON is read as one NDJSON line, and stored as given).
std::string one_line(std::string_view json);

/// One record as a JSON object (one line, no newline), unknown fields included.
std::string to_json(const posting& p);
std::string to_json(const candidate& c);

}  // namespace jobmesh::match

namespace jobmesh::match {

struct source_results;
struct profile;

/// One output line of `jobmesh match`: `{"source": id, "results": [{"id","score","factors"}]}`
/// with the factors `prof` uses (no newline).
std::string results_to_json(const source_results& r, const profile& prof);

}  // namespace jobmesh::match
