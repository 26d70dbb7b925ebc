#pragma once
/// A prepared record as bytes, stored beside the record's JSON so that loading a million
/// postings at start decodes ~80 bytes each (~77 for a generated posting) instead of parsing, checking and normalising a
/// ~550-byte line (and walking the ~1 KB row it sits in).
///
/// A form is only as good as what made it: the layout below (k_form_layout) and the
/// normaliser's synonyms. `form_fingerprint` names both; storage keeps the fingerprint the
/// forms of a table were written under, and forms of another fingerprint are written again from
/// the records' JSON before they are read (actors/record_forms.hpp).
///
/// Layout: strings as a varint length and their bytes (words as their normal text: numbers
/// are per process), numbers as their 8 bytes in the machine's order, in the order of the
/// prepared record's fields. A chunk of forms (what a shard decodes at a load) is each form's
/// length as a varint, then the form; a form of length 0 stands for a record that no longer
/// passes the rules.

#include "match/normaliser.hpp"
#include "match/prepared.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::match {

/// Raised whenever a prepared record's fields or their encoding change, or the normal form of
/// its words (2: Unicode lower case and white space, where only ASCII's were before).
constexpr std::uint32_t k_form_layout = 2;

/// The layout and `n`'s synonyms, as one number: equal fingerprints, equal forms of equal records.
std::int64_t form_fingerprint(const normaliser& n);

/// Appends the form of `r` to `out`.
void append_form(const prepared_posting& r, std::string& out);
void append_form(const prepared_candidate& r, std::string& out);

/// `bytes` as a record; false when they are not one whole form of this layout.
bool read_form(std::string_view bytes, prepared_posting& out);
bool read_form(std::string_view bytes, prepared_candidate& out);

/// Appends `form` to a chunk (an empty form: a record that no longer passes the rules).
void append_to_chunk(std::string& chunk, std::string_view form);

template <class Prepared>
struct chunk_read {
  std::vector<Prepared> records;
  std::size_t broken = 0;  ///< empty forms: records that no longer pass the rules
};

/// The records of a chunk. Throws std::invalid_argument when the chunk or one of its forms is
/// cut short or malformed (storage gave something else than what was written).
chunk_read<prepared_posting> read_posting_chunk(std::string_view chunk);
chunk_read<prepared_candidate> read_candidate_chunk(std::string_view chunk);

}  // namespace jobmesh::match
