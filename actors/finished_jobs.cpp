#include "actors/finished_jobs.hpp"

namespace jobmesh::actors {

void finished_jobs::announced(const storage::job_record& job) {
  if (capacity_ == 0)
    return;
  if (!storage::is_terminal(job.status)) {
    std::lock_guard lock(mutex_);
    if (auto it = by_id_.find(job.id); it != by_id_.end())
      by_id_.erase(it);  // its put stays in order_ and is skipped by its seq
    return;
  }
  auto held = std::make_shared<const storage::job_record>(job);  // copied outside the lock
  std::lock_guard lock(mutex_);
  auto seq = ++next_seq_;
  by_id_.insert_or_assign(job.id, entry{std::move(held), seq});
  order_.emplace_back(seq, job.id);
  while (order_.size() > capacity_) {
    auto& [old_seq, old_id] = order_.front();
    if (auto it = by_id_.find(old_id); it != by_id_.end() && it->second.seq == old_seq)
      by_id_.erase(it);
    order_.pop_front();
  }
}

std::shared_ptr<const storage::job_record> finished_jobs::find(std::string_view id, std::int64_t now_ms) const {
  std::shared_ptr<const storage::job_record> job;
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
