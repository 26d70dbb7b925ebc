#include "actors/job_queue.hpp"

namespace jobmesh::actors {

void job_queue::push(storage::job_record job, std::int64_t since_ms) {
  if (!ids_.insert(job.id).second)
    return;
  auto priority = job.priority;
  by_priority_[priority].push_back({std::move(job), since_ms});
}

double job_queue::aged_priority(const entry& e, std::int64_t now_ms) const {
  auto waited = static_cast<double>(std::max<std::int64_t>(0, now_ms - e.since_ms));
  return static_cast<double>(e.job.priority) + waited / static_cast<double>(aging_step_.count());
}

std::optional<storage::job_record> job_queue::pop(std::int64_t now_ms) {
  auto best = by_priority_.end();
  double best_score = 0;
  // Buckets are visited highest priority first, so on equal aged priority the higher one wins.
  for (auto it = by_priority_.begin(); it != by_priority_.end(); ++it) {
    auto score = aged_priority(it->second.front(), now_ms);
    if (best == by_priority_.end() || score > best_score) {
      best = it;
      best_score = score;
    }
  }
  if (best == by_priority_.end())
    return std::nullopt;
  auto job = std::move(best->second.front().job);
  best->second.pop_front();
  if (best->second.empty())
    by_priority_.erase(best);
  ids_.erase(job.id);
  return job;
}

std::optional<storage::job_record> job_queue::remove(const std::string& id) {
  if (!ids_.contains(id))
    return std::nullopt;
  for (auto it = by_priority_.begin(); it != by_priority_.end(); ++it) {
    auto& fifo = it->second;
    for (auto e = fifo.begin(); e != fifo.end(); ++e) {
      if (e->job.id != id)
        continue;
      auto job = std::move(e->job);
      fifo.erase(e);
      if (fifo.empty())
        by_priority_.erase(it);
      ids_.erase(id);
      return job;
    }
  }
  return std::nullopt;
}

const storage::job_record* job_queue::find(const std::string& id) const {
  if (!ids_.contains(id))
    return nullptr;
  for (const auto& [priority, fifo] : by_priority_)
    for (const auto& e : fifo)
      if (e.job.id == id)
        return &e.job;
  return nullptr;
}

}  // namespace jobmesh::actors
