#pragma once
/// The marketplace's records in SQL: postings and candidates (SPEC-matching.md), upserted by id,
/// deleted by id, read back as the JSON they were given (unknown fields included). The records
/// are `match`'s plain structs: storage maps them to columns here, in one place.

#include "match/records.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace soci {
class session;
}

namespace jobmesh::storage {

/// Which table.
enum class record_kind { posting, candidate };

/// "postings" or "candidates".
std::string_view table_of(record_kind kind);

/// "posting" or "candidate", for messages.
std::string_view noun_of(record_kind kind);

/// Removes one record by id (an absent one is no error).
struct record_delete {
  record_kind kind = record_kind::posting;
  std::string id;
};

/// Inserts or replaces one record by id. `json` is the record as given (one line of JSON, as
/// the reader took it), stored as it is and answered by a GET; empty, the record is written as
/// JSON (match::to_json).
/// `form`: the record's prepared form (match/stored_form.hpp), written beside it in the same
/// transaction; empty, none is written and the record is prepared from its JSON at the next
/// start (record_forms.hpp in actors/).
template <class Record>
struct record_upsert {
  record_upsert(Record r, std::string text = {}, std::string prepared = {})
      : record(std::move(r)), json(std::move(text)), form(std::move(prepared)) {}
  Record record;
  std::string json;
  std::string form;
};

/// One write of a record: upsert a posting, upsert a candidate, or delete.
using record_write = std::variant<record_upsert<match::posting>, record_upsert<match::candidate>, record_delete>;

/// Applies `writes` in order (an upsert inserts or replaces by id, stamped `now_ms`), inside the
/// caller's transaction.
void apply_record_writes(soci::session& db, const std::vector<record_write>& writes, std::int64_t now_ms);

/// The stored JSON of one record, if any.
std::optional<std::string> find_record(soci::session& db, record_kind kind, const std::string& id);

/// A page of stored records, by id ascending, ids strictly greater than `after`.
std::vector<std::string> list_records(soci::session& db, record_kind kind, const std::string& after, int limit);

/// Up to `limit` stored forms with ids greater than `after`, by id, as chunks of forms
/// (match::append_to_chunk): the form of `id` goes to chunk `part_of(id)` (< `parts`). And the
/// last id read (empty when none is left). The matcher shards load in such chunks, one each.
std::pair<std::vector<std::string>, std::string> forms_after(
    soci::session& db, record_kind kind, const std::string& after, int limit, std::size_t parts,
    const std::function<std::size_t(std::string_view id)>& part_of);

/// How many records the table holds.
std::int64_t count_records(soci::session& db, record_kind kind);

/// How many forms of records of `kind` are stored.
std::int64_t count_forms(soci::session& db, record_kind kind);

/// The fingerprint the stored forms of `kind` were made under, if any was set.
std::optional<std::int64_t> forms_fingerprint(soci::session& db, record_kind kind);

/// Drops every stored form of `kind` and sets the fingerprint the next ones are made under.
void restart_forms(soci::session& db, record_kind kind, std::int64_t fingerprint);

/// Up to `limit` records of `kind` that have no stored form, with ids greater than `after`, by
/// id: (id, stored JSON).
std::vector<std::pair<std::string, std::string>> records_without_form(soci::session& db, record_kind kind,
                                                                      const std::string& after, int limit);

/// Writes (id, form) for records of `kind`, replacing any form of the id, inside the caller's
/// transaction. A form whose record is not stored is not written.
void write_forms(soci::session& db, record_kind kind, const std::vector<std::pair<std::string, std::string>>& forms);

/// A candidate's ranked postings under one profile, as the `match-scores` job type stored them
/// (table `match_results`, one row per candidate and profile).
struct stored_matches {
  std::string candidate_id;
  std::string profile;
  std::string job_id;   ///< the job that computed them
  std::string results;  ///< as `jobmesh match` writes the line: {"source","results":[{"id","score","factors"}]}
  std::int64_t computed_at = 0;
};

/// Inserts or replaces each row by (candidate_id, profile), inside the caller's transaction.
void upsert_stored_matches(soci::session& db, const std::vector<stored_matches>& rows);

/// The stored matches of `candidate_id` under `profile`, if any.
std::optional<stored_matches> find_stored_matches(soci::session& db, const std::string& candidate_id,
                                                  const std::string& profile);

}  // namespace jobmesh::storage
