#include "actors/job_type.hpp"
#include "actors/worker_pool.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace jobmesh::actors;
using ::testing::HasSubstr;

namespace {

boost::json::object params(const char* text) {
  return boost::json::parse(text).as_object();
}

std::string problem(const job_type& t, const char* text) {
  auto p = t.validate(params(text));
  return p ? *p : std::string{};
}

}  // namespace

TEST(test_job_types, sleep_checks_its_params_by_name) {
  auto registry = make_default_registry(1000);
  const auto* sleep = registry->find("sleep");
  ASSERT_NE(sleep, nullptr);
  EXPECT_EQ(problem(*sleep, R"({"items": 20, "ms_per_item": 50})"), "");
  EXPECT_THAT(problem(*sleep, R"({"items": -1})"), HasSubstr("params.items must be an integer in [0, 1000]"));
  EXPECT_THAT(problem(*sleep, R"({"items": 1001})"), HasSubstr("params.items"));
  EXPECT_THAT(problem(*sleep, R"({"items": "3"})"), HasSubstr("params.items"));
  EXPECT_THAT(problem(*sleep, R"({"ms_per_item": 60001})"), HasSubstr("params.ms_per_item"));
  EXPECT_THAT(problem(*sleep, R"({"itmes": 3})"), HasSubstr("params.itmes is not a parameter"));
  EXPECT_EQ(sleep->plan(params(R"({"items": 7})"), "j")->item_keys.size(), 7u);
}

TEST(test_job_types, flaky_fails_reproducibly_from_its_seed) {
  auto registry = make_default_registry(1000);
  const auto* flaky = registry->find("flaky");
  ASSERT_NE(flaky, nullptr);
  EXPECT_THAT(problem(*flaky, R"({"fail_probability": 1.5})"), HasSubstr("params.fail_probability"));
  auto a = flaky->plan(params(R"({"items": 200, "fail_probability": 0.3, "seed": 7})"), "j");
  auto b = flaky->plan(params(R"({"items": 200, "fail_probability": 0.3, "seed": 7})"), "j");
  int failures = 0;
  for (std::int64_t i = 0; i < 200; ++i) {
    auto x = a->handle({i, "", 1});
    EXPECT_EQ(x.ok, b->handle({i, "", 1}).ok) << i;
    failures += x.ok ? 0 : 1;
  }
  // 200 draws at p = 0.3: 60 expected; [30, 90] is beyond 4 standard deviations.
  EXPECT_GT(failures, 30);
  EXPECT_LT(failures, 90);
  auto never = flaky->plan(params(R"({"items": 50, "fail_probability": 0})"), "j");
  for (std::int64_t i = 0; i < 50; ++i)
    EXPECT_TRUE(never->handle({i, "", 1}).ok);
}

TEST(worker_batch, retries_items_and_stops_when_told) {
  auto plan = std::make_shared<job_plan>();
  plan->item_keys = {"0", "1", "2"};
  plan->handle = [](const item_ref& item) {
    if (item.index == 1 && item.attempt < 3)
      return item_outcome{false, "not yet"};
    if (item.index == 2)
      throw std::runtime_error("always broken");
    return item_outcome{};
  };
  auto stop = std::make_shared<std::atomic<bool>>(false);
  work_batch batch{"j", plan, {0, 1, 2}, {"0", "1", "2"}, 3, stop};
  auto result = run_batch(batch);
  ASSERT_EQ(result.items.size(), 3u);
  EXPECT_TRUE(result.items[0].ok);
  EXPECT_EQ(result.items[0].attempts, 1);
  EXPECT_TRUE(result.items[1].ok);
  EXPECT_EQ(result.items[1].attempts, 3);
  EXPECT_FALSE(result.items[2].ok);
  EXPECT_EQ(result.items[2].attempts, 3);
  EXPECT_EQ(result.items[2].error, "always broken");
  stop->store(true);
  EXPECT_TRUE(run_batch(batch).items.empty());
}

TEST(worker_batch, a_batch_handler_sees_keys_and_retries_only_what_failed) {
  auto plan = std::make_shared<job_plan>();
  std::vector<std::vector<std::string>> calls;
  plan->handle_batch = [&calls](const std::vector<item_ref>& items) {
    std::vector<item_outcome> out;
    calls.emplace_back();
    for (const auto& item : items) {
      calls.back().emplace_back(item.key);
      bool ok = item.key != "b" || item.attempt == 2;
      out.push_back({ok, ok ? "" : "b fails once", fmt::format(R"({{"attempt":{}}})", item.attempt)});
    }
    return out;
  };
  auto stop = std::make_shared<std::atomic<bool>>(false);
  work_batch batch{"j", plan, {4, 5, 6}, {"a", "b", "c"}, 3, stop};
  auto result = run_batch(batch);
  ASSERT_EQ(result.items.size(), 3u);
  EXPECT_EQ(calls, (std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"b"}}));
  EXPECT_EQ(result.items[1].index, 5);
  EXPECT_TRUE(result.items[1].ok);
  EXPECT_EQ(result.items[1].attempts, 2);
  EXPECT_EQ(result.items[1].result, R"({"attempt":2})");
  EXPECT_EQ(result.items[0].attempts, 1);

  plan->handle_batch = [](const std::vector<item_ref>&) -> std::vector<item_outcome> {
    throw std::runtime_error("shards unavailable");
  };
  result = run_batch(batch);
  ASSERT_EQ(result.items.size(), 3u);
  for (const auto& r : result.items) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 3);
    EXPECT_EQ(r.error, "shards unavailable");
  }
}
