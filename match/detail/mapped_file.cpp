#include "match/detail/mapped_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>
#include <fmt/format.h>

namespace jobmesh::match::detail {

namespace {

// The mappings the handler knows: a fixed table, as a signal handler may not allocate or lock.
// A slot's message is written before its range is published and read only inside it.
struct guarded_range {
  std::atomic<std::uintptr_t> begin{0};
  std::atomic<std::uintptr_t> end{0};
  std::array<char, 512> message{};
  std::size_t message_size = 0;
};

constexpr std::size_t k_slots = 16;
std::array<guarded_range, k_slots> g_ranges;
std::mutex g_slots_mutex;  // taking and freeing slots (never in the handler)
struct sigaction g_previous {};

void on_sigbus(int sig, siginfo_t* info, void* context) {
  auto at = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (auto& r : g_ranges) {
    auto begin = r.begin.load(std::memory_order_acquire);
    if (begin != 0 && at >= begin && at < r.end.load(std::memory_order_acquire)) {
      (void)!::write(STDERR_FILENO, r.message.data(), r.message_size);
      ::_exit(k_cut_short_exit);
    }
  }
  // Not ours: as the handler before would have it.
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != nullptr) {
    g_previous.sa_handler(sig);
    return;
  }
  // The default: ends the process as SIGBUS does (raised again, so also when it was sent).
  ::signal(SIGBUS, SIG_DFL);
  ::raise(SIGBUS);
}

void install_handler_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &g_previous);
  });
}

int guard(const char* data, std::size_t size, const std::string& path) {
  install_handler_once();
  std::lock_guard lock{g_slots_mutex};
  for (std::size_t i = 0; i < k_slots; ++i) {
    auto& r = g_ranges[i];
    if (r.begin.load(std::memory_order_relaxed) != 0)
      continue;
    auto text = fmt::format("jobmesh: {} was cut short by another process while it was being read; stopped, "
                            "and what was written so far is incomplete\n",
                            path);
    r.message_size = std::min(text.size(), r.message.size());
    std::memcpy(r.message.data(), text.data(), r.message_size);
    r.end.store(reinterpret_cast<std::uintptr_t>(data) + size, std::memory_order_release);
    r.begin.store(reinterpret_cast<std::uintptr_t>(data), std::memory_order_release);
    return static_cast<int>(i);
  }
  return -1;  // more files mapped at once than slots: this one keeps the bare SIGBUS
}

void unguard(int slot) {
  if (slot < 0)
    return;
  std::lock_guard lock{g_slots_mutex};
  g_ranges[static_cast<std::size_t>(slot)].begin.store(0, std::memory_order_release);
}

}  // namespace

std::optional<mapped_file> mapped_file::open(const std::string& path) {
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  void* data = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    data = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (data == MAP_FAILED)
    return std::nullopt;
  auto size = static_cast<std::size_t>(st.st_size);
  (void)::madvise(data, size, MADV_SEQUENTIAL);  // a hint: read ahead
  auto* bytes = static_cast<const char*>(data);
  return mapped_file{bytes, size, guard(bytes, size, path)};
}

mapped_file::mapped_file(mapped_file&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(o.size_), released_(o.released_),
      guard_(std::exchange(o.guard_, -1)) {}

mapped_file::~mapped_file() {
  unguard(guard_);
  if (data_ != nullptr)
    ::munmap(const_cast<char*>(data_), size_);
}

void mapped_file::release_before(std::size_t offset) {
  constexpr std::size_t k_page = 4096;
  auto end = offset / k_page * k_page;
  if (end > released_)
    (void)::madvise(const_cast<char*>(data_) + released_, end - released_, MADV_DONTNEED);  // a hint
  released_ = std::max(released_, end);
}

}  // namespace jobmesh::match::detail
