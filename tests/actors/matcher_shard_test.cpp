// One matcher shard on its own: its whole index is built on a thread of its own while it goes
// on taking writes and answering queries, and what was written during a build is seen in every
// answer after the write, before and after the build lands.
#include "actors/matcher_shard.hpp"
#include "match/generator.hpp"
#include "match/kernel.hpp"
#include "match/profile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <sstream>

using namespace jobmesh;
using storage::record_kind;

namespace {

constexpr std::chrono::seconds k_wait{60};

class matcher_shard_test : public ::testing::Test {
protected:
  void SetUp() override {
    actors::add_message_types(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    self_ = std::make_unique<caf::scoped_actor>(*sys_);
    shard_ = actors::spawn_matcher_shard(*sys_, words_, false);
  }

  void TearDown() override {
    caf::anon_send_exit(shard_, caf::exit_reason::user_shutdown);
    self_.reset();
    sys_->await_all_actors_done();
  }

  // Generated records, prepared; the shard and the expected answers share their normaliser.
  void generate(std::size_t postings, std::size_t candidates, std::uint64_t seed) {
    std::ostringstream p, c;
    match::generate({postings, candidates, seed}, p, c);
    postings_ = match::prepare_all(match::read_postings(p.str()).records, *words_);
    candidates_ = match::prepare_all(match::read_candidates(c.str()).records, *words_);
  }

  static std::vector<actors::prepared_record> as_records(const std::vector<match::prepared_posting>& ps) {
    return {ps.begin(), ps.end()};
  }

  // A posting with no skills and another salary, so its scores move.
  static match::prepared_posting changed(match::prepared_posting p) {
    p.salary_max = p.salary_max * 2 + 10'000;
    p.skills.clear();
    return p;
  }

  void upsert_into_expected(const std::vector<match::prepared_posting>& written) {
    for (const auto& w : written) {
      auto it = std::find_if(postings_.begin(), postings_.end(), [&](const auto& p) { return p.id == w.id; });
      if (it != postings_.end())
        *it = w;
      else
        postings_.push_back(w);
    }
  }

  void erase_from_expected(const std::string& id) {
    std::erase_if(postings_, [&](const auto& p) { return p.id == id; });
  }

  match::query query_for(const match::profile& prof) const {
    match::query q;
    q.dir = match::direction::candidate;
    q.prof = &prof;
    q.top_k = 10;
    return q;
  }

  // A candidate's best postings as the shard answers them equal the kernel's over the records
  // expected now, built from scratch.
  template <class Reply>
  void expect_current(Reply& reply, const match::prepared_candidate& source, const match::profile& prof) {
    match::batch_matcher fresh{postings_, candidates_};
    auto want = fresh.run_one(source, query_for(prof));
    reply.receive(
        [&](std::vector<actors::explained_matches>& lists) {
          ASSERT_EQ(lists.size(), 1u) << "source " << source.id;
          const auto& got = lists.front();
          ASSERT_EQ(got.size(), want.results.size()) << "source " << source.id;
          for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].result.id, want.results[i].id) << "source " << source.id << " rank " << i;
            EXPECT_NEAR(got[i].result.score, want.results[i].score, 1e-9) << "source " << source.id << " rank " << i;
          }
        },
        [&](caf::error& e) { FAIL() << "query: " << caf::to_string(e); });
  }

  /// The batch form with one source: what the matching service sends for a list of ids.
  auto ask_matches(const match::prepared_candidate& source, const match::profile& prof) {
    return self()->request(shard_, k_wait, actors::match_atom::value,
                           std::vector<actors::prepared_record>{actors::prepared_record{source}}, query_for(prof));
  }

  template <class Reply>
  void wait_ok(Reply h) {
    h.receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  }

  caf::scoped_actor& self() { return *self_; }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<caf::scoped_actor> self_;
  std::shared_ptr<match::normaliser> words_ = std::make_shared<match::normaliser>();
  actors::matcher_shard_actor shard_;
  std::vector<match::prepared_posting> postings_;
  std::vector<match::prepared_candidate> candidates_;
};

}  // namespace

// The first query starts the first build and waits for it; writes sent right behind it reach
// the shard while the build runs (20,000 postings take tens of milliseconds to index, the
// messages microseconds to send), so the build's index lands without them and must retire
// their old versions. Every answer after a write's acknowledgement shows it.
TEST_F(matcher_shard_test, writes_during_the_first_build_are_in_every_later_answer) {
  generate(20'000, 50, 41);
  wait_ok(self()->request(shard_, k_wait, actors::upsert_atom::value, as_records(postings_)));
  {
    std::vector<actors::prepared_record> cs{candidates_.begin(), candidates_.end()};
    wait_ok(self()->request(shard_, k_wait, actors::upsert_atom::value, std::move(cs)));
  }
  const auto& source = candidates_[0];
  const auto& prof = match::fit_profile();
  // The postings the source ranks best now: writing them moves its answer.
  match::batch_matcher before{postings_, candidates_};
  auto best = before.run_one(source, query_for(prof));
  ASSERT_GE(best.results.size(), 4u);
  std::vector<match::prepared_posting> rewritten;
  for (std::size_t i = 0; i < 3; ++i) {
    auto it = std::find_if(postings_.begin(), postings_.end(), [&](const auto& p) { return p.id == best.results[i].id; });
    rewritten.push_back(changed(*it));
  }
  auto deleted = best.results[3].id;

  auto first = ask_matches(source, prof);
  auto update = self()->request(shard_, k_wait, actors::upsert_atom::value, as_records(rewritten));
  auto removal = self()->request(shard_, k_wait, actors::delete_atom::value, record_kind::posting, deleted);
  auto second = ask_matches(source, prof);
  first.receive([](std::vector<actors::explained_matches>& got) { EXPECT_FALSE(got.empty() || got.front().empty()); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
  wait_ok(std::move(update));
  removal.receive([](bool held) { EXPECT_TRUE(held); }, [](caf::error& e) { FAIL() << caf::to_string(e); });
  upsert_into_expected(rewritten);
  erase_from_expected(deleted);
  expect_current(second, source, prof);
  auto third = ask_matches(source, match::proximity_profile());
  expect_current(third, source, match::proximity_profile());
}

// Past the shard's limit of records written since its index (2,048), a query finds the index
// stale: it starts a whole build on another thread and answers from the old index and the
// records written since; writes during that build and queries before and after it lands all
// see the data as it is.
TEST_F(matcher_shard_test, a_stale_index_is_rebuilt_aside_while_queries_and_writes_go_on) {
  generate(20'000, 50, 43);
  wait_ok(self()->request(shard_, k_wait, actors::upsert_atom::value, as_records(postings_)));
  {
    std::vector<actors::prepared_record> cs{candidates_.begin(), candidates_.end()};
    wait_ok(self()->request(shard_, k_wait, actors::upsert_atom::value, std::move(cs)));
  }
  const auto& prof = match::fit_profile();
  auto warm = ask_matches(candidates_[1], prof);
  expect_current(warm, candidates_[1], prof);  // the index is built

  // 3,000 postings rewritten: past the limit.
  std::vector<match::prepared_posting> many;
  for (std::size_t i = 0; i < 3'000; ++i)
    many.push_back(changed(postings_[i * 5]));
  wait_ok(self()->request(shard_, k_wait, actors::upsert_atom::value, as_records(many)));
  upsert_into_expected(many);

  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto& source = candidates_[2 + round];
    match::batch_matcher now{postings_, candidates_};
    auto best = now.run_one(source, query_for(prof));
    ASSERT_GE(best.results.size(), 2u);
    auto stale = ask_matches(source, prof);  // the first round starts the build
    auto it = std::find_if(postings_.begin(), postings_.end(), [&](const auto& p) { return p.id == best.results[0].id; });
    std::vector<match::prepared_posting> one{changed(*it)};
    auto update = self()->request(shard_, k_wait, actors::upsert_atom::value, as_records(one));
    auto removal =
        self()->request(shard_, k_wait, actors::delete_atom::value, record_kind::posting, best.results[1].id);
    auto after = ask_matches(source, prof);
    expect_current(stale, source, prof);  // answered before the writes were taken
    wait_ok(std::move(update));
    removal.receive([](bool held) { EXPECT_TRUE(held); }, [](caf::error& e) { FAIL() << caf::to_string(e); });
    upsert_into_expected(one);
    erase_from_expected(best.results[1].id);
    expect_current(after, source, prof);
  }
}
