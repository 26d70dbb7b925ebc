// Every path and method of the served OpenAPI document answers something other than 404 on a
// real node, with ids of records that exist (the other half, that every route is described, is
// tests/net/openapi_test.cpp).
#include "running_node.hpp"
#include "tests/source_dir.hpp"

#include <gmock/gmock.h>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

class openapi_api_test : public running_node {};

http::verb verb_of(std::string_view method) {
  if (method == "get")
    return http::verb::get;
  if (method == "post")
    return http::verb::post;
  if (method == "put")
    return http::verb::put;
  if (method == "delete")
    return http::verb::delete_;
  return http::verb::patch;
}

// `path` with each `{name}` replaced by a value that exists.
std::string filled(std::string path, const std::map<std::string, std::string>& values) {
  for (std::size_t open; (open = path.find('{')) != std::string::npos;) {
    auto close = path.find('}', open);
    auto name = path.substr(open + 1, close - open - 1);
    auto prefix = path.substr(0, open);
    std::string key = prefix.ends_with("/postings/")     ? "posting"
                      : prefix.ends_with("/candidates/") ? "candidate"
                      : prefix.ends_with("/jobs/")       ? "job"
                                                         : name;
    path.replace(open, close - open + 1, values.at(key));
  }
  return path;
}

}  // namespace

TEST_F(openapi_api_test, every_described_operation_answers_something_other_than_404) {
  settings_.server.web_root = jobmesh::testing::source_dir() + "/web";
  start();
  auto served = call(http::verb::get, "/api/v1/openapi.json");
  ASSERT_EQ(served.status, 200u);
  auto doc = served.json().as_object();
  ASSERT_EQ(call(http::verb::post, "/api/v1/postings",
                 R"({"id":"p1","company":"Acme","title":"Data engineer","category":"Data","required_skills":["SQL"]})")
                .status,
            200u);
  ASSERT_EQ(call(http::verb::post, "/api/v1/candidates", R"({"id":"c1","skills":["SQL"]})").status, 200u);
  auto job = submit(port_, R"({"type":"noop","params":{"items":1}})");
  std::map<std::string, std::string> values{
      {"posting", "p1"}, {"candidate", "c1"}, {"job", job}, {"group", "maintenance"}, {"name", "coverage"}, {"file", "dashboard.js"}};
  // Reads first, then writes, deletions last: each finds what it names.
  std::vector<std::pair<std::string, std::string>> operations;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, operation] : item.as_object())
      if (operation.is_object() && operation.as_object().contains("responses"))
        operations.emplace_back(std::string{method}, std::string{path});
  auto rank = [](const std::string& m) { return m == "get" ? 0 : m == "delete" ? 2 : 1; };
  std::stable_sort(operations.begin(), operations.end(),
                   [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
  ASSERT_GT(operations.size(), 20u);
  for (const auto& [method, path] : operations) {
    auto target = filled(path, values);
    auto reply = call(verb_of(method), target, method == "get" || method == "delete" ? "" : "{}");
    EXPECT_NE(reply.status, 404u) << method << " " << target << ": " << reply.body;
    EXPECT_LT(reply.status, 500u) << method << " " << target << ": " << reply.body;
  }
}
