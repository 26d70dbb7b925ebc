#pragma once
// Work split over a few threads of its own: how many, and running them.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace jobmesh::match::detail {

/// `threads`, every core when 0, but at most one per `smallest_share` of `work` units (at least 1).
inline unsigned thread_count(unsigned threads, std::size_t work = 0, std::size_t smallest_share = 0) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  if (smallest_share > 0)
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, work / smallest_share)));
  return threads;
}

/// Runs `f(t)` for every t in [0, threads): t = 0 on the calling thread, the others on threads of
/// their own, and returns once all have ended (so what they write is complete). An exception of
/// any of them is rethrown here, after every thread has ended, instead of ending the process.
template <class F>
void run_on_threads(unsigned threads, F&& f) {
  std::vector<std::exception_ptr> failed(std::max(threads, 1u));
  auto guarded = [&](unsigned t) {
    try {
      f(t);
    } catch (...) {
      failed[t] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(failed.size() - 1);
    for (unsigned t = 1; t < threads; ++t)
      pool.emplace_back(guarded, t);
    guarded(0);
  }
  for (auto& e : failed)
    if (e)
      std::rethrow_exception(e);
}

}  // namespace jobmesh::match::detail
