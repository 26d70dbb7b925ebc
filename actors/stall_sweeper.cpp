#include "actors/stall_sweeper.hpp"

#include "actors/errors.hpp"
#include "actors/job_json.hpp"

#include <spdlog/spdlog.h>

namespace jobmesh::actors {

namespace {

using jobs = std::vector<storage::job_record>;

struct sweeper_state {
  // Not an aggregate: CAF 0.17 would build the state from the actor's pointer (C++20 lets an
  // aggregate whose first member is a handle be built from one).
  sweeper_state() = default;

  storage_reader_actor reader;
  job_supervisor_actor supervisor;
  std::chrono::milliseconds threshold{30'000};
  static inline const char* name = "stall_sweeper";
};

using sweeper_pointer = stall_sweeper_actor::stateful_pointer<sweeper_state>;

std::int64_t cutoff(const sweeper_state& st) {
  return now_ms() - st.threshold.count();
}

// Finds the stalled jobs and has the supervisor requeue them; `done` gets the jobs changed.
template <class Done>
void sweep(sweeper_pointer self, Done done) {
  auto& st = self->state;
  self->request(st.reader, caf::infinite, stalled_atom::value, cutoff(st))
      .then(
          [=](jobs& stalled) mutable {
            if (stalled.empty())
              return done(jobs{});
            self->request(self->state.supervisor, caf::infinite, stalled_atom::value, std::move(stalled))
                .then(
                    [=](jobs& changed) mutable {
                      if (!changed.empty())
                        spdlog::warn("stall sweeper: {} stalled job(s) requeued or failed", changed.size());
                      done(std::move(changed));
                    },
                    [=](caf::error& e) mutable { done(std::move(e)); });
          },
          [=](caf::error& e) mutable { done(std::move(e)); });
}

stall_sweeper_actor::behavior_type sweeper(sweeper_pointer self, storage_reader_actor reader,
                                           job_supervisor_actor supervisor, std::int64_t threshold_s,
                                           std::int64_t check_s) {
  auto& st = self->state;
  st.reader = std::move(reader);
  st.supervisor = std::move(supervisor);
  st.threshold = std::chrono::seconds(threshold_s);
  auto every = check_s > 0 ? std::chrono::milliseconds(std::chrono::seconds(check_s))
                           : std::max(std::chrono::milliseconds(100), st.threshold / 3);
  self->delayed_send(self, every, tick_atom::value);
  return {
      [=](stalled_atom) -> caf::result<jobs> {
        return self->delegate(self->state.reader, stalled_atom::value, cutoff(self->state));
      },
      [=](stalled_atom, cleanup_atom) -> caf::result<jobs> {
        auto promise = self->make_response_promise<jobs>();
        sweep(self, [promise](auto result) mutable { promise.deliver(std::move(result)); });
        return promise;
      },
      [=](tick_atom) {
        sweep(self, [](auto result) {
          if constexpr (std::is_same_v<decltype(result), caf::error>)
            spdlog::error("stall sweeper: {}", message_of(result));
        });
        self->delayed_send(self, every, tick_atom::value);
      },
  };
}

}  // namespace

stall_sweeper_actor spawn_stall_sweeper(caf::actor_system& sys, storage_reader_actor reader,
                                        job_supervisor_actor supervisor, std::int64_t stall_threshold_s,
                                        std::int64_t check_s) {
  return sys.spawn(sweeper, std::move(reader), std::move(supervisor), stall_threshold_s, check_s);
}

}  // namespace jobmesh::actors
