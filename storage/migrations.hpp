#pragma once
/// Schema migrations: one SQL file per schema version per backend under storage/migrations/,
/// compiled in at build time. `migrate` applies the missing ones in version order, each in its
/// own transaction, and records them in `schema_migrations`.

#include <limits>
#include <string_view>
#include <vector>

namespace soci {
class session;
}

namespace jobmesh::storage {

/// One schema version of one backend ("sqlite" or "postgresql").
struct migration {
  std::string_view backend;
  int version;
  std::string_view name;
  std::string_view sql;
};

/// Every migration of every backend, sorted by backend then version.
const std::vector<migration>& embedded_migrations();

/// Applies the migrations of `backend` that `db` lacks, up to version `up_to` (tests stop there
/// to write rows in an older schema); returns the schema version now in place.
/// Throws soci::soci_error on SQL failure (the failing migration's transaction is rolled back).
int migrate(soci::session& db, std::string_view backend, int up_to = std::numeric_limits<int>::max());

}  // namespace jobmesh::storage
