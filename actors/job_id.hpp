#pragma once
/// Job ids: 26-character ULIDs (48-bit millisecond time + 80 random bits, Crockford base32).
/// Ids from one generator sort in creation order, which list paging relies on.

#include <cstdint>
#include <random>
#include <string>

namespace jobmesh::actors {

/// Makes ids; not thread-safe (the job supervisor owns one).
class job_id_generator {
public:
  job_id_generator();

  /// A new id, greater than every id this generator made before, for time `now_ms`.
  std::string next(std::int64_t now_ms);

private:
  std::mt19937_64 rng_;
  std::int64_t last_ms_ = -1;
  std::uint64_t random_hi_ = 0;  ///< top 16 of the 80 random bits
  std::uint64_t random_lo_ = 0;  ///< low 64 bits
};

/// True if `id` has the shape of a job id (26 Crockford base32 characters).
bool is_job_id(std::string_view id);

}  // namespace jobmesh::actors
