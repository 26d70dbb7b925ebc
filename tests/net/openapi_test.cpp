// The OpenAPI document and the router agree: every route the router knows is described, and
// every operation described is a route (the other half, that each path answers, is
// tests/app/openapi_api_test.cpp).
#include "net/api.hpp"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>

#include <set>

using namespace jobmesh;

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::set<std::string> router_operations() {
  auto ctx = std::make_shared<net::api_context>();
  auto r = net::make_api_router(ctx);
  std::set<std::string> out;
  for (const auto& [method, pattern] : r.routes())
    out.insert(lower(std::string{net::http::to_string(method)}) + " " + pattern);
  return out;
}

std::set<std::string> document_operations(const boost::json::object& doc) {
  static const std::set<std::string> methods{"get", "put", "post", "delete", "patch", "head", "options"};
  std::set<std::string> out;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, operation] : item.as_object())
      if (methods.contains(std::string{method}))
        out.insert(std::string{method} + " " + std::string{path});
  return out;
}

}  // namespace

TEST(openapi, every_route_is_described_and_every_description_is_a_route) {
  auto doc = boost::json::parse(net::openapi_document()).as_object();
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  auto routes = router_operations();
  auto described = document_operations(doc);
  ASSERT_GT(routes.size(), 20u);
  for (const auto& op : routes)
    EXPECT_TRUE(described.contains(op)) << op << " is a route but not in net/openapi.json";
  for (const auto& op : described)
    EXPECT_TRUE(routes.contains(op)) << op << " is in net/openapi.json but no route";
}

TEST(openapi, every_operation_names_its_errors_and_every_reference_resolves) {
  auto text = net::openapi_document();
  auto doc = boost::json::parse(text).as_object();
  const auto& responses = doc.at("components").at("responses").as_object();
  const auto& schemas = doc.at("components").at("schemas").as_object();
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, operation] : item.as_object()) {
      if (!operation.is_object() || !operation.as_object().contains("responses"))
        continue;
      const auto& replies = operation.at("responses").as_object();
      EXPECT_FALSE(replies.empty()) << method << " " << path;
      EXPECT_TRUE(operation.as_object().contains("operationId")) << method << " " << path;
    }
  // Every "$ref": "#/components/<kind>/<name>" names something that is there.
  std::size_t at = 0;
  while ((at = text.find("\"$ref\"", at)) != std::string::npos) {
    auto start = text.find("#/components/", at);
    auto end = text.find('"', start);
    auto ref = text.substr(start + 13, end - start - 13);
    auto slash = ref.find('/');
    auto kind = ref.substr(0, slash);
    auto name = ref.substr(slash + 1);
    const auto& table = kind == "responses" ? responses : kind == "schemas" ? schemas : doc.at("components").at(kind).as_object();
    EXPECT_TRUE(table.contains(name)) << ref;
    at = end;
  }
}
