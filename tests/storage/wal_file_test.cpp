#include "tests/scratch_dir.hpp"
#include "storage/database.hpp"
#include "storage/wal_file.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <stdexcept>
#include <string>

using namespace jobmesh::storage;

namespace {

struct wal_file_test : ::testing::Test {
  jobmesh::testing::scratch_dir dir_{"jobmesh_wal_file"};
};

TEST_F(wal_file_test, opens_the_log_of_a_database_in_wal_mode_and_syncs_it) {
  auto db = open(dir_.sqlite_url("test.db"));
  *db << "CREATE TABLE t (id INTEGER PRIMARY KEY)";
  wal_file wal{*db};
  EXPECT_EQ(wal.path(), (dir_.path() / "test.db-wal").string());
  *db << "INSERT INTO t (id) VALUES (1)";
  EXPECT_NO_THROW(wal.sync());
}

TEST_F(wal_file_test, a_database_with_a_rollback_journal_has_none_and_says_so) {
  auto db = open(dir_.sqlite_url("test.db"));
  *db << "PRAGMA journal_mode = DELETE";
  try {
    wal_file wal{*db};
    FAIL() << "opened a log the database does not keep";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("journal mode 'delete'"), std::string::npos) << e.what();
  }
}

}  // namespace
