#include "storage/wal_file.hpp"

#include "storage/database.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <fmt/format.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace jobmesh::storage {

wal_file::wal_file(soci::session& writer) {
  auto* db = sqlite_connection(writer);
  if (db == nullptr)
    throw std::runtime_error("the database is not SQLite: it has no write-ahead log of its own");
  std::string mode;
  writer << "PRAGMA journal_mode", soci::into(mode);
  const char* name = sqlite_api::sqlite3_db_filename(db, "main");
  if (mode != "wal" || name == nullptr || *name == '\0')
    throw std::runtime_error(fmt::format("the database is in journal mode '{}' without a file of its own, not WAL", mode));
  path_ = sqlite_api::sqlite3_filename_wal(name);
  // Read-only: this object never writes the log, and fdatasync on Linux syncs the file's
  // inode whichever descriptor names it.
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    throw std::runtime_error(fmt::format("cannot open the write-ahead log {}: {}", path_, std::strerror(errno)));
}

wal_file::~wal_file() {
  if (fd_ >= 0)
    ::close(fd_);
}

void wal_file::sync() {
  if (::fdatasync(fd_) != 0)
    throw std::system_error(errno, std::generic_category(), fmt::format("sync of the write-ahead log {}", path_));
}

}  // namespace jobmesh::storage
