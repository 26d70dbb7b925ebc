#include "actors/job_queue.hpp"

#include <algorithm>

namespace jobmesh::actors {

void job_queue::push(storage::job_record job, std::int64_t since_ms) {
  if (!index_.try_emplace(job.id, location{job.priority, job.user_id}).second)
    return;
  ++by_type_[job.type];
  auto& b = by_priority_[job.priority];
  auto [u, added] = b.users.try_emplace(job.user_id);
  if (added)
    u->second.in_rotation = b.rotation.insert(b.rotation.end(), job.user_id);
  u->second.jobs.push_back({std::move(job), since_ms});
}

double job_queue::aged_priority(const entry& e, std::int64_t now_ms) const {
  auto waited = static_cast<double>(std::max<std::int64_t>(0, now_ms - e.since_ms));
  return static_cast<double>(e.job.priority) + waited / static_cast<double>(aging_step_.count());
}

std::optional<storage::job_record> job_queue::pop(std::int64_t now_ms) {
  return pop(now_ms, [](const storage::job_record&) { return true; });
}

std::optional<storage::job_record> job_queue::pop(std::int64_t now_ms, const predicate& can_start) {
  std::optional<pick> best;
  // Buckets are visited highest priority first, so on equal aged priority the higher one wins.
  for (auto b = by_priority_.begin(); b != by_priority_.end(); ++b) {
    auto p = candidate(b, can_start);
    if (!p)
      continue;
    p->score = aged_priority(p->user->second.jobs[p->index], now_ms);
    if (!best || p->score > best->score)
      best = p;
  }
  if (!best)
    return std::nullopt;
  return extract(best->bucket, best->user, best->index, true);
}

std::optional<job_queue::pick> job_queue::candidate(bucket_map::iterator b, const predicate& can_start) {
  // Users that cannot start anything are passed over in rotation order, keeping their place.
  for (const auto& user_id : b->second.rotation) {
    auto u = b->second.users.find(user_id);
    if (auto i = first_startable(u->second.jobs, can_start))
      return pick{b, u, *i, 0};
  }
  return std::nullopt;
}

std::optional<std::size_t> job_queue::first_startable(const std::deque<entry>& jobs,
                                                      const predicate& can_start) const {
  auto limit = std::min(jobs.size(), lookahead_);
  for (std::size_t i = 0; i < limit; ++i)
    if (can_start(jobs[i].job))
      return i;
  return std::nullopt;
}

storage::job_record job_queue::extract(bucket_map::iterator b, user_map::iterator u, std::size_t index,
                                       bool served) {
  auto& jobs = u->second.jobs;
  auto job = std::move(jobs[index].job);
  jobs.erase(jobs.begin() + static_cast<std::ptrdiff_t>(index));
  auto& rotation = b->second.rotation;
  if (jobs.empty()) {
    rotation.erase(u->second.in_rotation);
    b->second.users.erase(u);
  } else if (served) {
    rotation.splice(rotation.end(), rotation, u->second.in_rotation);
  }
  if (b->second.users.empty())
    by_priority_.erase(b);
  index_.erase(job.id);
  if (auto t = by_type_.find(job.type); t != by_type_.end() && --t->second == 0)
    by_type_.erase(t);
  return job;
}

std::optional<std::size_t> job_queue::position(const std::deque<entry>& jobs, const std::string& id) const {
  auto it = std::find_if(jobs.begin(), jobs.end(), [&](const entry& e) { return e.job.id == id; });
  if (it == jobs.end())
    return std::nullopt;
  return static_cast<std::size_t>(it - jobs.begin());
}

std::optional<storage::job_record> job_queue::remove(const std::string& id) {
  auto loc = index_.find(id);
  if (loc == index_.end())
    return std::nullopt;
  auto b = by_priority_.find(loc->second.priority);
  if (b == by_priority_.end())
    return std::nullopt;
  auto u = b->second.users.find(loc->second.user_id);
  if (u == b->second.users.end())
    return std::nullopt;
  auto i = position(u->second.jobs, id);
  if (!i)
    return std::nullopt;
  return extract(b, u, *i, false);
}

const storage::job_record* job_queue::find(const std::string& id) const {
  auto loc = index_.find(id);
  if (loc == index_.end())
    return nullptr;
  auto b = by_priority_.find(loc->second.priority);
  if (b == by_priority_.end())
    return nullptr;
  auto u = b->second.users.find(loc->second.user_id);
  if (u == b->second.users.end())
    return nullptr;
  auto i = position(u->second.jobs, id);
  return i ? &u->second.jobs[*i].job : nullptr;
}

}  // namespace jobmesh::actors
