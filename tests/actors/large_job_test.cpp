// A job of many items is stored in chunks: it never holds the writer for one long transaction,
// so other jobs' submissions and progress commit between its chunks.
#include "engine_fixture.hpp"
#include "storage_gates.hpp"

using namespace jobmesh;
using storage::job_status;

namespace {

using largest_atom = caf::atom_constant<caf::atom("largest")>;

// The real writer, remembering the most items one write inserted.
using measuring_writer_actor = actors::storage_writer_actor::extend<caf::replies_to<largest_atom>::with<std::int64_t>>;

struct measuring_state {
  actors::storage_writer_actor real;
  std::int64_t largest = 0;
};

measuring_writer_actor::behavior_type measuring_writer(measuring_writer_actor::stateful_pointer<measuring_state> self,
                                                       actors::storage_writer_actor real) {
  self->state.real = std::move(real);
  return jobmesh::testing::pass_through_writer<measuring_writer_actor::behavior_type>(
      self,
      [=](actors::write_atom a, storage::write_batch& batch) {
        auto& largest = self->state.largest;
        largest = std::max(largest, static_cast<std::int64_t>(batch.inserted_items.size()));
        return self->delegate(self->state.real, a, std::move(batch));
      },
      [=](largest_atom) { return self->state.largest; });
}

class large_job_test : public jobmesh::testing::engine_fixture {};

}  // namespace

TEST_F(large_job_test, a_job_of_many_items_is_stored_in_chunks_and_runs_whole) {
  measuring_writer_actor writer;
  start_wrapped([](caf::actor_system&, actors::storage_reader_actor real) { return real; },
                [&](caf::actor_system& sys, actors::storage_writer_actor real) {
                  writer = sys.spawn(measuring_writer, std::move(real));
                  return caf::actor_cast<actors::storage_writer_actor>(writer);
                });
  actors::job_spec big;
  big.type = "noop";
  big.params = R"({"items": 25000})";
  big.user_id = "tester";
  auto job = submit(big);
  actors::job_spec small;
  small.type = "noop";
  small.user_id = "tester";
  auto other = submit(small);
  auto ended = await_end(job.id);
  EXPECT_EQ(ended.status, job_status::completed);
  EXPECT_EQ(ended.total_items, 25'000);
  EXPECT_EQ(ended.processed_items, 25'000);
  EXPECT_EQ(await_end(other.id).status, job_status::completed);
  std::int64_t largest = 0;
  self()->request(writer, k_wait, largest_atom::value).receive([&](std::int64_t n) { largest = n; },
                                                               [](caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_GT(largest, 0);
  EXPECT_LE(largest, 10'000) << "one write inserted more items than a chunk";
}
