#include "actors/finished_jobs.hpp"

namespace jobmesh::actors {

void finished_jobs::announced(const shared_job& job) {
  if (capacity_ == 0)
    return;
  std::lock_guard lock(mutex_);
  put(job);
}

void finished_jobs::announced(const job_events& events) {
  if (capacity_ == 0)
    return;
  std::lock_guard lock(mutex_);
  for (const auto& e : events)
    put(e.job);
}

void finished_jobs::put(const shared_job& job) {
  if (!storage::is_terminal(job->status)) {
    by_id_.erase(std::string_view{job->id});  // its put stays in order_ and is skipped by its seq
    return;
  }
  auto seq = ++next_seq_;
  // One probe when the job is not held (the common case). When it is, the entry goes and comes
  // back: its key is a view of the record it holds, so it cannot outlive that record.
  if (auto [it, added] = by_id_.try_emplace(std::string_view{job->id}, entry{job, seq}); !added) {
    by_id_.erase(it);
    by_id_.emplace(std::string_view{job->id}, entry{job, seq});
  }
  order_.emplace_back(seq, job);
  while (order_.size() > capacity_) {
    const auto& [old_seq, old_job] = order_.front();
    if (auto it = by_id_.find(std::string_view{old_job->id}); it != by_id_.end() && it->second.seq == old_seq)
      by_id_.erase(it);
    order_.pop_front();
  }
}

shared_job finished_jobs::find(std::string_view id, std::int64_t now_ms) const {
  shared_job job;
  {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end())
      return nullptr;
    job = it->second.job;
  }
  if (job->expires_at > 0 && job->expires_at <= now_ms)
    return nullptr;  // cleanup may have deleted it: storage answers
  return job;
}

std::size_t finished_jobs::size() const {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

}  // namespace jobmesh::actors
