// The marketplace's job types as the registry holds them, without an engine: what their params
// take and what a plan of them asks for.
#include "actors/matching_job_types.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace jobmesh;

namespace {

const actors::job_type& import_type(actors::job_type_registry& registry, std::int64_t max_parallel_workers) {
  actors::matching_job_context ctx;
  ctx.imports.max_parallel_workers = max_parallel_workers;
  ctx.fetch = [](const std::string&, const std::string&, const config::imports_settings&) {
    return actors::fetched_page{};
  };
  actors::add_matching_job_types(registry, ctx);
  return *registry.find("import-postings");
}

std::string six_urls() {
  std::string out;
  for (int i = 0; i < 6; ++i)
    out += (i == 0 ? "\"" : ",\"") + std::string{"http://127.0.0.1:9/"} + std::to_string(i) + "\"";
  return R"({"urls":[)" + out + "]}";
}

}  // namespace

// API.md's default of 5 fetches at a time stays within the config's cap: with a cap of 2, a
// job that names no parallel_workers fetches 2 at a time (it fetched 5), and the schema says so.
TEST(import_postings, parallel_workers_default_to_five_within_the_configured_cap) {
  actors::job_type_registry capped;
  const auto& two = import_type(capped, 2);
  auto params = boost::json::parse(six_urls()).as_object();
  ASSERT_FALSE(two.validate(params));
  EXPECT_EQ(two.plan(params, "j")->parallelism, 2);
  EXPECT_EQ(two.params_schema.at("properties").at("parallel_workers").at("default").as_int64(), 2);
  auto five = boost::json::parse(R"({"urls":["http://127.0.0.1:9/"],"parallel_workers":5})").as_object();
  EXPECT_TRUE(two.validate(five)) << "above the cap";

  actors::job_type_registry plain;
  const auto& many = import_type(plain, 20);
  EXPECT_EQ(many.plan(params, "j")->parallelism, 5);
  EXPECT_EQ(many.params_schema.at("properties").at("parallel_workers").at("default").as_int64(), 5);
}
