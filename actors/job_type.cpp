#include "actors/job_type.hpp"

namespace jobmesh::actors {

void job_type_registry::add(job_type type) {
  auto name = type.name;
  types_.insert_or_assign(std::move(name), std::move(type));
}

const job_type* job_type_registry::find(const std::string& name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

std::shared_ptr<const job_type_registry> make_default_registry(std::int64_t max_items) {
  auto registry = std::make_shared<job_type_registry>();
  add_test_job_types(*registry, max_items);
  return registry;
}

}  // namespace jobmesh::actors
