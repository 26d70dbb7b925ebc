#include "actors/job_dependencies.hpp"

#include <gtest/gtest.h>

using namespace jobmesh;
using actors::dependency_graph;

namespace {

storage::job_record job(std::string id, std::string type = "noop") {
  storage::job_record j;
  j.id = std::move(id);
  j.type = std::move(type);
  return j;
}

std::vector<std::string> ids(const std::vector<storage::job_record>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs)
    out.push_back(j.id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(dependency_graph, a_job_with_nothing_open_is_not_held) {
  dependency_graph g;
  EXPECT_FALSE(g.add(job("a"), {}));
  EXPECT_EQ(g.size(), 0u);
}

TEST(dependency_graph, a_job_is_ready_only_when_every_dependency_completed) {
  dependency_graph g;
  ASSERT_TRUE(g.add(job("c"), {"a", "b"}));
  auto first = g.ended("a", true);
  EXPECT_TRUE(first.ready.empty());
  EXPECT_TRUE(first.doomed.empty());
  EXPECT_TRUE(g.contains("c"));
  auto second = g.ended("b", true);
  EXPECT_EQ(ids(second.ready), std::vector<std::string>{"c"});
  EXPECT_TRUE(second.doomed.empty());
  EXPECT_FALSE(g.contains("c"));
  EXPECT_EQ(g.size(), 0u);
}

TEST(dependency_graph, a_dependency_that_failed_dooms_its_dependents_and_releases_their_other_waits) {
  dependency_graph g;
  ASSERT_TRUE(g.add(job("c"), {"a", "b"}));
  ASSERT_TRUE(g.add(job("d"), {"a"}));
  ASSERT_TRUE(g.add(job("e"), {"b"}));
  auto out = g.ended("a", false);
  EXPECT_EQ(ids(out.doomed), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(out.ready.empty());
  // c no longer waits on b: b's end concerns only e.
  auto later = g.ended("b", true);
  EXPECT_EQ(ids(later.ready), std::vector<std::string>{"e"});
  EXPECT_EQ(g.size(), 0u);
}

TEST(dependency_graph, the_same_end_reported_twice_changes_nothing_the_second_time) {
  dependency_graph g;
  ASSERT_TRUE(g.add(job("c"), {"a", "b"}));
  g.ended("a", true);
  auto again = g.ended("a", true);
  EXPECT_TRUE(again.ready.empty());
  EXPECT_TRUE(g.contains("c"));
}

TEST(dependency_graph, remove_takes_a_waiting_job_out_of_every_index) {
  dependency_graph g;
  ASSERT_TRUE(g.add(job("c", "match-scores"), {"a", "b"}));
  ASSERT_TRUE(g.add(job("d", "noop"), {"a"}));
  EXPECT_EQ(g.size_by_type(), (std::map<std::string, std::size_t>{{"match-scores", 1}, {"noop", 1}}));
  auto removed = g.remove("c");
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->id, "c");
  EXPECT_EQ(g.find("c"), nullptr);
  EXPECT_FALSE(g.remove("c").has_value());
  auto out = g.ended("a", true);
  EXPECT_EQ(ids(out.ready), std::vector<std::string>{"d"});
  EXPECT_TRUE(g.ended("b", true).ready.empty());
}
