#include "actors/record_forms.hpp"

#include "match/ndjson.hpp"
#include "match/stored_form.hpp"
#include "storage/record_repository.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <spdlog/spdlog.h>

namespace jobmesh::actors {

namespace {

using storage::record_kind;

constexpr int k_batch = 10'000;
constexpr std::int64_t k_broken_named = 20;  ///< records that no longer pass named in the log, at most

template <class Read>
void refresh_kind(soci::session& db, record_kind kind, const match::normaliser& words, std::int64_t fingerprint,
                  Read read, forms_refreshed& done) {
  auto noun = storage::table_of(kind);
  auto records = storage::count_records(db, kind);
  (kind == record_kind::posting ? done.postings : done.candidates) = records;
  auto forms = storage::count_forms(db, kind);
  bool redo = storage::forms_fingerprint(db, kind) != fingerprint;
  if (!redo && forms > records) {
    // Storage's triggers and checks keep this from happening: the forms are not to be trusted.
    spdlog::warn("marketplace: {} stored forms of {} for {} records; preparing them all again", forms, noun, records);
    redo = true;
  }
  if (redo) {
    soci::transaction t{db};
    storage::restart_forms(db, kind, fingerprint);
    t.commit();
    forms = 0;
  }
  auto missing = records - forms;
  if (missing == 0)
    return;
  spdlog::info("marketplace: preparing the stored form of {} of {} {} (made once; later starts read it)", missing,
               records, noun);
  std::int64_t prepared = 0, reported = 0;
  std::string after, text;
  for (;;) {
    auto batch = storage::records_without_form(db, kind, after, k_batch);
    if (batch.empty())
      break;
    text.clear();
    for (const auto& [id, json] : batch) {
      text += json;
      text += '\n';
    }
    auto parsed = read(text, words);
    // A record stored under rules since tightened (a date that is no day, a blank company) is
    // kept as stored (GET returns it) but left out of matching: say which, and why.
    for (std::size_t i = 0; i < parsed.errors.size() && done.broken + static_cast<std::int64_t>(i) < k_broken_named; ++i)
      if (const auto& e = parsed.errors[i]; e.line >= 1 && e.line <= batch.size())
        spdlog::warn("marketplace: {} {} no longer passes the rules ({}): kept as stored, left out of matching",
                     noun, batch[e.line - 1].first, e.message);
    boost::unordered_flat_map<std::string_view, std::string> form_of;
    for (const auto& r : parsed.records)
      match::append_form(r, form_of[r.id]);
    std::vector<std::pair<std::string, std::string>> written;
    written.reserve(batch.size());
    for (auto& [id, json] : batch) {
      auto it = form_of.find(id);
      if (it == form_of.end())
        ++done.broken;  // an empty form: no longer passes the rules
      written.emplace_back(id, it == form_of.end() ? std::string{} : std::move(it->second));
    }
    soci::transaction t{db};
    storage::write_forms(db, kind, written);
    t.commit();
    prepared += static_cast<std::int64_t>(written.size());
    after = batch.back().first;
    if (prepared - reported >= 100'000) {
      reported = prepared;
      spdlog::info("marketplace: prepared {} of {} {}", prepared, missing, noun);
    }
  }
  done.prepared += prepared;
  if (done.broken > k_broken_named)
    spdlog::warn("marketplace: {} stored records no longer pass the rules (the first {} named above)", done.broken,
                 k_broken_named);
  spdlog::info("marketplace: prepared the stored form of {} {}", prepared, noun);
}

}  // namespace

forms_refreshed refresh_record_forms(soci::session& db, const match::normaliser& words) {
  forms_refreshed done;
  auto fingerprint = match::form_fingerprint(words);
  refresh_kind(db, record_kind::posting, words, fingerprint,
               [](std::string_view text, const match::normaliser& n) { return match::read_prepared_postings(text, n, 0); },
               done);
  refresh_kind(db, record_kind::candidate, words, fingerprint,
               [](std::string_view text, const match::normaliser& n) { return match::read_prepared_candidates(text, n, 0); },
               done);
  return done;
}

}  // namespace jobmesh::actors
