#include "actors/job_type.hpp"

#include <boost/json/array.hpp>

namespace jobmesh::actors {

void job_type_registry::add(job_type type) {
  auto name = type.name;
  types_.insert_or_assign(std::move(name), std::move(type));
}

const job_type* job_type_registry::find(const std::string& name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

boost::json::object integer_schema(std::int64_t lo, std::int64_t hi, std::int64_t fallback, std::string_view what) {
  return {{"type", "integer"}, {"minimum", lo}, {"maximum", hi}, {"default", fallback}, {"description", what}};
}

boost::json::object object_schema(boost::json::object properties, std::initializer_list<std::string_view> required) {
  boost::json::array names;
  for (auto name : required)
    names.emplace_back(name);
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(names)},
          {"additionalProperties", false}};
}

std::shared_ptr<const job_type_registry> make_default_registry(std::int64_t max_items) {
  auto registry = std::make_shared<job_type_registry>();
  add_test_job_types(*registry, max_items);
  return registry;
}

}  // namespace jobmesh::actors
