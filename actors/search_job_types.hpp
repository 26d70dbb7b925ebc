#pragma once
/// The search group's job types (DESIGN.md "Job types shipped"), over the skills of the
/// records the matcher shards hold (normalised, synonyms applied; a posting's required skills,
/// a candidate's skills). Both read every record's skills when they plan; an item is a skill.
///
/// - `skill-index`: skill -> the candidates and postings naming it; stored in `skill_index`
///   (a run replaces the last); an item's result counts them and shows up to 5 of each; results
///   are ranked by how many records name the skill.
/// - `skill-relationships`: for each skill, the skills named with it in the same record and how
///   often (co-occurrence counts over postings and candidates); the `top` (default 10) most
///   frequent are stored in `skill_relationships` and are the item's result, ranked by the
///   skill's co-occurrences in all.

#include "actors/job_type.hpp"
#include "actors/marketplace.hpp"
#include "actors/storage_actors.hpp"

namespace jobmesh::actors {

struct search_job_context {
  caf::actor_system* system = nullptr;
  marketplace_actor marketplace;
  storage_writer_actor writer;
};

/// Registers `skill-index` and `skill-relationships`.
void add_search_job_types(job_type_registry& registry, search_job_context ctx);

}  // namespace jobmesh::actors
