#include "tests/scratch_dir.hpp"
#include "storage/database.hpp"
#include "storage/wal_checkpointer.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <string>
#include <thread>

using namespace jobmesh::storage;

namespace {

// Whether a database's pages reached its main file is seen in the file's size: until a
// checkpoint copies them, committed pages live in the -wal file only.
class wal_checkpointer_test : public ::testing::Test {
protected:
  void SetUp() override {
    db_ = open(dir_.sqlite_url("test.db"));
    *db_ << "CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)";
    empty_size_ = main_file_size();
  }

  // ~1 MiB in one commit: 256 pages of 4 KiB, well under SQLite's own threshold of 1,000.
  void write_a_mebibyte() {
    std::string body(4000, 'x');
    soci::transaction tx{*db_};
    for (int i = 0; i < 256; ++i)
      *db_ << "INSERT INTO blobs (body) VALUES (:b)", soci::use(body, "b");
    tx.commit();
  }

  std::uintmax_t main_file_size() const { return std::filesystem::file_size(dir_.path() / "test.db"); }

  long long stored_rows() {
    auto other = open(dir_.sqlite_url("test.db"));
    long long n = 0;
    *other << "SELECT COUNT(*) FROM blobs", soci::into(n);
    return n;
  }

  jobmesh::testing::scratch_dir dir_{"jobmesh_wal"};
  std::unique_ptr<soci::session> db_;
  std::uintmax_t empty_size_ = 0;
};

TEST_F(wal_checkpointer_test, checkpoints_on_its_own_thread_past_its_threshold) {
  ASSERT_TRUE(wal_checkpointer::serves(*db_));
  wal_checkpointer checkpoints{*db_, {.start_pages = 100, .writer_pages = INT_MAX}};
  write_a_mebibyte();
  // The commit returned before any checkpoint of its pages was required of it; the thread's
  // comes after. Bounded wait: 10 s is far more than copying 1 MiB takes.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (checkpoints.checkpoints() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_GE(checkpoints.checkpoints(), 1u);
  EXPECT_GT(main_file_size(), empty_size_ + 1'000'000) << "the pages reached the database file";
  EXPECT_EQ(stored_rows(), 256);
}

TEST_F(wal_checkpointer_test, below_its_threshold_nothing_is_checkpointed) {
  wal_checkpointer checkpoints{*db_, {.start_pages = 2000, .writer_pages = INT_MAX}};
  write_a_mebibyte();
  EXPECT_EQ(checkpoints.checkpoints(), 0u);
  EXPECT_LT(main_file_size(), empty_size_ + 100'000);
  EXPECT_EQ(stored_rows(), 256);
}

TEST_F(wal_checkpointer_test, the_writer_checkpoints_itself_past_its_own_threshold) {
  wal_checkpointer checkpoints{*db_, {.start_pages = INT_MAX, .writer_pages = 100}};
  write_a_mebibyte();
  // Synchronous: the commit itself copied its pages.
  EXPECT_GT(main_file_size(), empty_size_ + 1'000'000);
  EXPECT_EQ(checkpoints.checkpoints(), 0u);
}

TEST_F(wal_checkpointer_test, stopping_gives_the_writer_back_sqlites_own_checkpoints) {
  int during = -1, after = -1;
  {
    wal_checkpointer checkpoints{*db_};
    *db_ << "PRAGMA wal_autocheckpoint", soci::into(during);
  }
  *db_ << "PRAGMA wal_autocheckpoint", soci::into(after);
  EXPECT_EQ(during, 0) << "SQLite's own hook is replaced while the checkpointer runs";
  EXPECT_EQ(after, 1000);
  write_a_mebibyte();
  EXPECT_EQ(stored_rows(), 256);
}

}  // namespace
