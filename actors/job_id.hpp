#pragma once
/// Job ids: 26-character ULIDs (48-bit millisecond time + 80 random bits, Crockford base32).
/// Ids from one generator sort in creation order, which list paging relies on.

#include <boost/unordered/unordered_flat_map.hpp>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>

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

/// Hashes and compares job ids, also by view (`find(std::string_view)` copies nothing).
struct id_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
};
struct id_equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

/// A map keyed by job id for the engine's hot paths: open addressing, so a lookup is a probe
/// of one group rather than a walk of linked nodes, and an entry costs no allocation of its
/// own. Tens of thousands of jobs are held at once under load (every job of the batches in
/// flight), where a node map's scattered nodes miss the cache on every lookup. Iterators and
/// references do not survive an insert or an erase.
template <class T>
using id_map = boost::unordered_flat_map<std::string, T, id_hash, id_equal>;

}  // namespace jobmesh::actors
