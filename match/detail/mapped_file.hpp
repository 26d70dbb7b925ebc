#pragma once
/// A regular file's bytes mapped to read (its pages are the kernel's page cache: nothing is
/// copied or zeroed). Reading `jobmesh match`'s 1M postings (552 MB) through two 64 MiB buffers
/// took ~0.4 s of CPU in the kernel: the copy into them and the zeroing of their fresh pages.
///
/// A mapped file cut short by another process while it is read would end the process with a
/// bare "Bus error" (SIGBUS, on the first page past the new end). While a mapped_file lives,
/// such a fault inside it ends the process with a message that names the file and exit code
/// k_cut_short_exit instead; any other SIGBUS goes to the handler there was before.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace jobmesh::match::detail {

/// The exit code of a process whose mapped input was cut short (EX_IOERR of sysexits.h).
inline constexpr int k_cut_short_exit = 74;

class mapped_file {
public:
  /// The file mapped, or nothing when it is not a regular non-empty file or cannot be mapped
  /// (its reader then reads it into buffers). Opens only a regular file: opening a pipe would
  /// take it from its writer.
  static std::optional<mapped_file> open(const std::string& path);

  mapped_file(mapped_file&& o) noexcept;
  mapped_file& operator=(mapped_file&&) = delete;
  ~mapped_file();

  std::string_view text() const { return {data_, size_}; }

  /// Gives back the pages wholly before `offset` (read already): they stay in the page cache,
  /// and the process's resident memory holds one block of the file, not all of it read so far.
  void release_before(std::size_t offset);

private:
  mapped_file(const char* data, std::size_t size, int guard) : data_(data), size_(size), guard_(guard) {}
  const char* data_;
  std::size_t size_;
  std::size_t released_ = 0;
  int guard_ = -1;  ///< its slot among the mappings the SIGBUS handler knows, or -1
};

}  // namespace jobmesh::match::detail
