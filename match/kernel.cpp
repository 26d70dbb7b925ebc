#include "match/kernel.hpp"

#include "match/detail/kernel_index.hpp"
#include "match/detail/kernel_scan.hpp"
#include "match/detail/threads.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>

namespace jobmesh::match {

namespace {

constexpr std::size_t k_chunk = 16;
constexpr std::size_t k_sources_per_progress = 256;

// Single-source queries come one at a time on a thread (a shard's); their buffers stay.
detail::scan_buffers& thread_buffers() {
  thread_local detail::scan_buffers buffers;
  return buffers;
}

template <class Record>
std::vector<const Record*> pointers_to(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  out.reserve(records.size());
  for (const auto& r : records)
    out.push_back(&r);
  return out;
}

}  // namespace

batch_matcher::batch_matcher(const std::vector<prepared_posting>& postings,
                             const std::vector<prepared_candidate>& candidates)
    : batch_matcher(pointers_to(postings), pointers_to(candidates)) {}

batch_matcher::batch_matcher(std::span<const prepared_posting* const> postings,
                             std::span<const prepared_candidate* const> candidates)
    : index_(std::make_unique<detail::kernel_index>(detail::build_index(postings, candidates))) {}

batch_matcher::~batch_matcher() = default;
batch_matcher::batch_matcher(batch_matcher&&) noexcept = default;

namespace {

// The stored position of `id` among `ids` (by_id: positions in byte order of their ids).
template <class Columns>
bool retire(Columns& side, std::string_view id) {
  auto it = std::lower_bound(side.by_id.begin(), side.by_id.end(), id,
                             [&](std::uint32_t pos, std::string_view wanted) { return side.ids[pos] < wanted; });
  if (it == side.by_id.end() || side.ids[*it] != id || side.retired[*it] != 0)
    return false;
  side.retired[*it] = 1;
  return true;
}

}  // namespace

bool batch_matcher::retire_posting(std::string_view id) {
  return retire(index_->p, id);
}

bool batch_matcher::retire_candidate(std::string_view id) {
  return retire(index_->c, id);
}

source_results batch_matcher::run_one(const prepared_candidate& source, query q) const {
  q.dir = direction::candidate;
  auto columns = detail::encode(*index_, source);
  detail::scanner scan{*index_, q, thread_buffers(), columns};
  return scan.run(0);
}

source_results batch_matcher::run_one(const prepared_posting& source, query q) const {
  q.dir = direction::posting;
  // By its words: encoded, a word the index never saw is one unknown id, equal to a filter's
  // unknown word whatever the two say.
  if (!q.filters.accepts(source))
    return {source.id, {}};
  auto columns = detail::encode(*index_, source);
  detail::scanner scan{*index_, q, thread_buffers(), columns};
  return scan.run(0);
}

std::size_t batch_matcher::posting_count() const {
  return index_->p.ids.size();
}

std::size_t batch_matcher::candidate_count() const {
  return index_->c.ids.size();
}

std::vector<source_results> batch_matcher::run(const query& q, unsigned threads, const progress_callback& progress) const {
  const auto& x = *index_;
  auto sources = q.dir == direction::candidate ? x.c.ids.size() : x.p.ids.size();
  std::vector<source_results> out(sources);
  threads = detail::thread_count(threads);
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex progress_mutex;
  detail::run_on_threads(threads, [&](unsigned) {
    detail::scan_buffers buffers;
    detail::scanner scan{x, q, buffers};
    for (std::size_t begin; (begin = next.fetch_add(k_chunk)) < sources;) {
      auto end = std::min(sources, begin + k_chunk);
      for (auto s = begin; s < end; ++s)
        out[s] = scan.run(s);
      auto total_done = done.fetch_add(end - begin) + (end - begin);
      if (progress && (total_done / k_sources_per_progress != (total_done - (end - begin)) / k_sources_per_progress || total_done == sources)) {
        std::lock_guard lock{progress_mutex};
        progress(total_done, sources);
      }
    }
  });
  return out;
}

}  // namespace jobmesh::match
