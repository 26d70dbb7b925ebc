#include "actors/job_dependencies.hpp"

namespace jobmesh::actors {

bool dependency_graph::add(storage::job_record job, const std::vector<std::string>& open) {
  if (open.empty() || waiting_.contains(job.id))
    return false;
  auto id = job.id;
  auto& w = waiting_[id];
  w.job = std::move(job);
  for (const auto& dependency : open) {
    w.open.insert(dependency);
    dependents_[dependency].insert(id);
  }
  return true;
}

void dependency_graph::forget(const std::string& id, const waiter& w) {
  for (const auto& dependency : w.open) {
    auto it = dependents_.find(dependency);
    if (it == dependents_.end())
      continue;
    it->second.erase(id);
    if (it->second.empty())
      dependents_.erase(it);
  }
}

dependency_graph::settled dependency_graph::ended(const std::string& dependency, bool completed) {
  settled out;
  auto it = dependents_.find(dependency);
  if (it == dependents_.end())
    return out;
  auto ids = std::move(it->second);
  dependents_.erase(it);
  for (const auto& id : ids) {
    auto w = waiting_.find(id);
    if (w == waiting_.end())
      continue;
    w->second.open.erase(dependency);
    if (completed && !w->second.open.empty())
      continue;
    forget(id, w->second);
    (completed ? out.ready : out.doomed).push_back(std::move(w->second.job));
    waiting_.erase(w);
  }
  return out;
}

std::optional<storage::job_record> dependency_graph::remove(const std::string& id) {
  auto w = waiting_.find(id);
  if (w == waiting_.end())
    return std::nullopt;
  forget(id, w->second);
  auto job = std::move(w->second.job);
  waiting_.erase(w);
  return job;
}

const storage::job_record* dependency_graph::find(const std::string& id) const {
  auto w = waiting_.find(id);
  return w == waiting_.end() ? nullptr : &w->second.job;
}

std::map<std::string, std::size_t> dependency_graph::size_by_type() const {
  std::map<std::string, std::size_t> out;
  for (const auto& [id, w] : waiting_)
    ++out[w.job.type];
  return out;
}

}  // namespace jobmesh::actors
