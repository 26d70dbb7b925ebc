#pragma once
/// The stored forms of the marketplace's records (match/stored_form.hpp) made whole before the
/// matcher shards load them: a load reads only forms, so every stored record needs a current
/// one. Run once at start, before anything else writes.
///
/// Forms made under another fingerprint (another layout, other synonyms in the config) are
/// dropped and every record of the kind is prepared again from its JSON; records without a form
/// (a database from before forms, a record changed by hand: storage's triggers drop its form)
/// are prepared. A record that no longer passes the rules gets an empty form, which the load
/// counts and skips, as it skipped such a record's JSON before. Nothing to do costs two counts
/// and a lookup; otherwise it logs what it prepares, with progress, and commits every 10,000
/// forms, so an interrupted run goes on where it stopped at the next start.

#include "match/normaliser.hpp"

#include <soci/soci.h>

namespace jobmesh::actors {

struct forms_refreshed {
  std::int64_t prepared = 0;  ///< forms written
  std::int64_t broken = 0;    ///< of which empty: records that no longer pass the rules
  std::int64_t postings = 0;  ///< records stored, each with its form now
  std::int64_t candidates = 0;
};

forms_refreshed refresh_record_forms(soci::session& db, const match::normaliser& words);

}  // namespace jobmesh::actors
