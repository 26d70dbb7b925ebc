// `jobmesh simulate` on a small run checks its own report (issue 10): the counts add up, and
// coverage and the best scores equal a direct computation by the batch kernel over the same
// generated records.
#include "app/simulation.hpp"
#include "match/generator.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"
#include "tests/scratch_dir.hpp"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>

#include <numeric>
#include <sstream>

using namespace jobmesh;

TEST(simulation, reports_counts_that_add_up_and_coverage_a_direct_computation_gives) {
  jobmesh::testing::scratch_dir dir{"jobmesh_simulate"};
  app::simulation_options o;
  o.users = 300;
  o.jobs = 400;
  o.iterations = 2;
  o.batch_size = 64;
  o.min_score = 60;
  o.seed = 5;
  o.sample_postings = 20;
  o.work_dir = dir.path().string();
  std::vector<std::size_t> seen;
  auto report = app::run_simulation(
      o, [](const std::string&, std::size_t, std::size_t) {},
      [&](const app::iteration_report& r) { seen.push_back(r.iteration); });
  ASSERT_EQ(report.iterations.size(), 2u);
  EXPECT_EQ(seen, (std::vector<std::size_t>{1, 2}));

  // The same records, matched at once by the kernel `jobmesh match` uses.
  std::ostringstream p, c;
  match::generate({o.jobs, o.users, o.seed}, p, c);
  match::normaliser words;
  auto postings = match::prepare_all(match::read_postings(p.str()).records, words);
  auto candidates = match::prepare_all(match::read_candidates(c.str()).records, words);
  match::batch_matcher batch{postings, candidates};
  match::query q;
  q.prof = &match::fit_profile();
  q.top_k = 10;
  auto want = batch.run(q, 1);
  std::size_t covered = 0, results = 0;
  double best_sum = 0;
  for (const auto& s : want) {
    results += s.results.size();
    if (!s.results.empty()) {
      best_sum += s.results.front().score;
      covered += s.results.front().score >= o.min_score ? 1 : 0;
    }
  }
  for (const auto& r : report.iterations) {
    SCOPED_TRACE("iteration " + std::to_string(r.iteration));
    EXPECT_EQ(r.users_matched, o.users);
    EXPECT_EQ(std::accumulate(r.best_histogram.begin(), r.best_histogram.end(), std::size_t{0}) + r.users_without_match,
              o.users);
    EXPECT_EQ(r.results, results);
    // `fit` weighs no standing factor: activity changes nothing here, in any iteration.
    EXPECT_EQ(r.covered, covered);
    EXPECT_DOUBLE_EQ(r.coverage, static_cast<double>(covered) / static_cast<double>(o.users));
    EXPECT_NEAR(r.best_mean * static_cast<double>(o.users - r.users_without_match), best_sum, 1e-6);
    EXPECT_EQ(r.events_sent, o.users) << "one event per user by default";
    EXPECT_EQ(r.events_taken, r.events_sent) << "generated events name known records";
    EXPECT_EQ(r.lists_compared, 20u);
    EXPECT_LE(r.lists_changed, r.lists_compared);
    EXPECT_GT(r.pairs_per_s, 0);
    EXPECT_THAT(r.factor_means, ::testing::SizeIs(5)) << "the five factors fit weighs";
  }
  EXPECT_GT(report.iterations[0].lists_changed, 0u) << "activity moves candidates in proximity lists";

  auto doc = boost::json::parse(app::report_json(report));
  EXPECT_EQ(doc.at("iterations").as_array().size(), 2u);
  EXPECT_EQ(doc.at("options").at("users").as_int64(), 300);
  EXPECT_EQ(doc.at("iterations").at(0).at("coverage").at("covered").as_int64(), static_cast<std::int64_t>(covered));
}
