#include "actors/job_type.hpp"

#include <boost/json/array.hpp>
#include <fmt/format.h>
#include <set>

namespace jobmesh::actors {

void job_type_registry::add(job_type type) {
  auto name = type.name;
  types_.insert_or_assign(std::move(name), std::move(type));
}

const job_type* job_type_registry::find(const std::string& name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

namespace {

enum class mark : std::uint8_t { unvisited, visiting, done };

// Depth-first: a type met again while still on the path closes a cycle.
std::optional<std::string> find_cycle(const std::map<std::string, job_type>& types, const std::string& name,
                                      std::map<std::string, mark>& marks, std::vector<std::string>& path) {
  auto& m = marks[name];
  if (m == mark::done)
    return std::nullopt;
  if (m == mark::visiting) {
    auto from = std::find(path.begin(), path.end(), name);
    std::string cycle;
    for (auto it = from; it != path.end(); ++it)
      cycle += *it + " -> ";
    return cycle + name;
  }
  m = mark::visiting;
  path.push_back(name);
  for (const auto& dependency : types.at(name).depends_on)
    if (auto cycle = find_cycle(types, dependency, marks, path))
      return cycle;
  path.pop_back();
  marks[name] = mark::done;
  return std::nullopt;
}

void visit_in_order(const job_type_registry& registry, const std::string& name, std::set<std::string>& seen,
                    std::vector<const job_type*>& out) {
  if (!seen.insert(name).second)
    return;
  const auto* type = registry.find(name);
  auto after = type->depends_on;
  std::sort(after.begin(), after.end());
  for (const auto& dependency : after)
    visit_in_order(registry, dependency, seen, out);
  out.push_back(type);
}

}  // namespace

std::optional<std::string> job_type_registry::check_dependencies() const {
  for (const auto& [name, type] : types_)
    for (const auto& dependency : type.depends_on)
      if (!types_.contains(dependency))
        return fmt::format("job type '{}' depends on '{}', which is not registered", name, dependency);
  std::map<std::string, mark> marks;
  for (const auto& [name, type] : types_) {
    std::vector<std::string> path;
    if (auto cycle = find_cycle(types_, name, marks, path))
      return fmt::format("job types depend on each other in a cycle: {}", *cycle);
  }
  return std::nullopt;
}

std::vector<const job_type*> job_type_registry::group_closure(const std::string& group) const {
  std::set<std::string> seen;
  std::vector<const job_type*> out;
  for (const auto& [name, type] : types_)
    if (type.group == group)
      visit_in_order(*this, name, seen, out);
  return out;
}

boost::json::object integer_schema(std::int64_t lo, std::int64_t hi, std::int64_t fallback, std::string_view what) {
  return {{"type", "integer"}, {"minimum", lo}, {"maximum", hi}, {"default", fallback}, {"description", what}};
}

boost::json::object boolean_schema(bool fallback, std::string_view what) {
  return {{"type", "boolean"}, {"default", fallback}, {"description", what}};
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
