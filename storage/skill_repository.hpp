#pragma once
/// What the search job types write (migration 0007): the skill index and skill relationships.
/// Each write removes the rows of other runs, then upserts its own.

#include <cstdint>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace jobmesh::storage {

struct skill_entry {
  std::string skill;
  std::string record_kind;  ///< posting or candidate
  std::string record_id;
};

struct skill_index_write {
  std::string job_id;
  std::int64_t computed_at = 0;
  std::vector<skill_entry> entries;
};

struct skill_pair {
  std::string skill;
  std::string related;
  std::int64_t count = 0;
};

struct skill_relationships_write {
  std::string job_id;
  std::int64_t computed_at = 0;
  std::vector<skill_pair> pairs;
};

/// Inside the caller's transaction (storage::commit calls them).
void write_skill_index(soci::session& db, const std::vector<skill_index_write>& writes);
void write_skill_relationships(soci::session& db, const std::vector<skill_relationships_write>& writes);

/// The records naming `skill`, at most `limit` (tests and tools).
std::vector<skill_entry> records_with_skill(soci::session& db, const std::string& skill, int limit);

}  // namespace jobmesh::storage
