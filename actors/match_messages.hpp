#pragma once
/// The vocabulary of the matching service and its matcher shards. Every type here is
/// local-only: records travel between nodes as JSON, never as these structs.

#include "actors/messages.hpp"
#include "match/engagement.hpp"
#include "match/ndjson.hpp"
#include "match/query.hpp"
#include "storage/activity_repository.hpp"
#include "storage/feed_repository.hpp"
#include "storage/record_repository.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

namespace jobmesh::actors {

using upsert_atom = caf::atom_constant<caf::atom("upsert")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using match_atom = caf::atom_constant<caf::atom("match")>;
using ingest_atom = caf::atom_constant<caf::atom("ingest")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using ids_atom = caf::atom_constant<caf::atom("ids")>;
using score_atom = caf::atom_constant<caf::atom("score")>;
using trending_atom = caf::atom_constant<caf::atom("trending")>;
using affinity_atom = caf::atom_constant<caf::atom("affinity")>;
using feed_atom = caf::atom_constant<caf::atom("feed")>;
using reconcile_atom = caf::atom_constant<caf::atom("reconcile")>;
using part_atom = caf::atom_constant<caf::atom("part")>;

/// A record as a shard holds it: normalised, lists as sets (match/prepared.hpp).
using prepared_record = std::variant<match::prepared_posting, match::prepared_candidate>;

/// One result of a live query and what explains it (API.md "Data", `explain`): the two
/// records scored, shared rather than copied (a shard never changes a record it holds; a write
/// replaces its pointer), so the skills in common are read from them when the result is
/// written out, for the results a merge keeps, not copied for every shard's candidates.
struct explained_match {
  match::match_result result;
  std::shared_ptr<const match::prepared_posting> posting;
  std::shared_ptr<const match::prepared_candidate> candidate;
  std::optional<double> distance_km;  ///< when both records have coordinates

  /// The posting's company, normalised (top_per_company).
  const std::string& company() const { return posting->company; }
  /// The posting's required skills the candidate has (or lacks), in the posting's order.
  std::vector<std::string_view> matched_skills() const { return skills(true); }
  std::vector<std::string_view> missing_skills() const { return skills(false); }
  std::vector<std::string_view> skills(bool matched) const;
  /// A candidate with at most this many skills is scanned by number (each_skill).
  static constexpr std::size_t k_skills_scanned = 32;
  /// Calls f(skill, the candidate has it) for each of the posting's required skills (words),
  /// in order. Words are equal when their numbers are: a candidate's few skills are scanned by
  /// number, which reads no text; many are walked with the posting's in their (text) order,
  /// both being sorted sets (normaliser::term_set).
  template <class F>
  void each_skill(F&& f) const {
    const auto mine = candidate->skills.words();
    if (mine.size() <= k_skills_scanned) {
      for (auto skill : posting->skills.words())
        f(skill, std::find(mine.begin(), mine.end(), skill) != mine.end());
      return;
    }
    auto theirs = mine.begin();
    for (auto skill : posting->skills.words()) {
      while (theirs != mine.end() && *theirs < skill)
        ++theirs;
      f(skill, theirs != mine.end() && *theirs == skill);
    }
  }
};

using explained_matches = std::vector<explained_match>;

/// A live query's options as the HTTP layer checked them; the profile by name.
struct match_options {
  std::string profile = "fit";
  int top_k = 10;
  double min_score = 0;
  bool top_per_company = false;
  match::posting_filters filters;
};

/// A live query's answer, ranked (SPEC-matching.md "Queries").
struct match_reply {
  std::string source;
  std::string profile;
  std::vector<match::factor> factors;  ///< the factors the profile weighs, in factor order
  explained_matches results;
};

/// Answers for many sources at once, in the order asked; empty where the source is unknown.
using match_batch = std::vector<std::optional<match_reply>>;

/// Scores of one source against given targets, in the order asked; empty where the target is
/// unknown. `result.factors` holds every factor; `result.score` is the profile's combination.
using pair_scores = std::vector<std::optional<explained_match>>;

/// Records as shards hold them, in the order asked; empty where the id is unknown.
using prepared_lookup = std::vector<std::optional<prepared_record>>;

/// The activity effects shards hold, in the order asked; empty where they hold none.
using held_effects = std::vector<std::optional<match::activity_effect>>;

/// What an ingest request got: how many records were taken, and why lines were refused.
struct ingest_reply {
  std::int64_t accepted = 0;
  std::vector<match::record_error> rejected;
  std::vector<std::string> ids;  ///< the records taken, in the order of their lines
};

/// What a shard took of its part of a load: records taken, and stored lines that no longer
/// pass the rules (skipped).
struct load_tally {
  std::int64_t taken = 0;
  std::int64_t broken = 0;
};

}  // namespace jobmesh::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::storage::record_kind)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::prepared_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobmesh::actors::prepared_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::explained_matches)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::match_options)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::match_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::ingest_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::load_tally)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::match_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::storage::stored_matches)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::pair_scores)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::prepared_lookup)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobmesh::actors::explained_matches>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::match::query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobmesh::storage::posting_trend>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobmesh::storage::affinity_row>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::storage::stored_feed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobmesh::match::activity_effect>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::held_effects)
