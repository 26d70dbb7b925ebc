#include "tests/scratch_dir.hpp"
#include "storage/database.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <atomic>
#include <string>

using namespace jobmesh::storage;

namespace {

using namespace sqlite_api;

// The default VFS with its xOpen counted: how many statement journals reached a file.
struct counting_vfs {
  static inline sqlite3_vfs* real = nullptr;
  static inline sqlite3_vfs shim{};
  static inline std::atomic<int> statement_journals{0};

  static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    if (flags & SQLITE_OPEN_SUBJOURNAL)
      ++statement_journals;
    return real->xOpen(real, name, file, flags, out_flags);
  }

  counting_vfs() {
    real = sqlite3_vfs_find(nullptr);
    shim = *real;
    shim.zName = "jobmesh_counting";
    shim.pNext = nullptr;
    shim.xOpen = &counting_vfs::open;
    sqlite3_vfs_register(&shim, 1);
  }
  ~counting_vfs() {
    sqlite3_vfs_unregister(&shim);
    sqlite3_vfs_register(real, 1);
  }
};

// A statement changing many rows inside a transaction keeps the pages it changes in a statement
// journal; SQLite's default spills one past 64 KiB to a temporary file, a file system round
// trip in the middle of a group commit. The storage keeps it in memory.
TEST(database_test, a_statement_journal_stays_in_memory_however_large) {
  jobmesh::testing::scratch_dir dir{"jobmesh_database"};
  open(dir.sqlite_url("first.db"));  // the process's first open configures SQLite, before the shim starts it
  counting_vfs vfs;
  auto db = open(dir.sqlite_url("test.db"));
  *db << "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)";
  std::string body(1000, 'x');
  {
    soci::transaction tx{*db};
    for (int i = 0; i < 500; ++i)  // ~125 pages
      *db << "INSERT INTO t (body) VALUES (:b)", soci::use(body, "b");
    tx.commit();
  }
  soci::transaction tx{*db};
  *db << "INSERT INTO t (body) VALUES ('first')";  // the transaction's first statement
  *db << "UPDATE t SET body = body || 'y'";        // every page again: a journal of ~500 KiB
  tx.commit();
  long long changed = 0;
  *db << "SELECT COUNT(*) FROM t WHERE body LIKE '%y'", soci::into(changed);
  EXPECT_EQ(changed, 501);
  EXPECT_EQ(vfs.statement_journals.load(), 0);
}

}  // namespace
