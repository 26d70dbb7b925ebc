#pragma once
/// Single job submissions (`POST /api/v1/jobs` with one JSON object) from every connection,
/// taken to the supervisor together. Sent one by one, each cost a message to a bridge actor and
/// one to the supervisor and the storage writer and back; the lane keeps at most `k_in_flight`
/// calls at the supervisor, and what arrives meanwhile waits and goes as one call
/// (`singles_atom`, one commit) when a call comes back, so a call carries more submissions the
/// busier the server is, as a group commit does. Measured on a 2-core VM with 64 connections:
/// the same rate (~8-11k/s) for ~6-9% less server CPU; the rate's bound is the storage writer,
/// which commits back to back (~50 rows in ~1.7 ms each), not the hand-offs. One call at a
/// time makes each commit larger: with the cheaper rows of stop 27, five interleaved pairs of
/// 5 s runs gave 10.7-15.2k/s with two calls in flight and 11.7-16.3k/s with one (each pair's
/// one-call run the faster, by 3-17%); four or eight were slower than two in stop 26's runs.
///
/// Each submission is still answered as its own: its refusal (unknown type, bad params) or its
/// job, created or replayed by its user's idempotency key.

#include "actors/job_supervisor.hpp"
#include "net/actor_bridge.hpp"

#include <caf/error.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace jobmesh::net {

class submit_lane {
public:
  /// Calls at the supervisor at once: one, so that all that arrives while it is committed
  /// goes in the next commit.
  static constexpr std::size_t k_in_flight = 1;

  using on_taken = std::function<void(storage::job_record& job, bool created)>;
  using on_refused = std::function<void(caf::error& e)>;

  /// `timeout` bounds each call (its submissions get `caf::sec::request_timeout` after it).
  submit_lane(std::shared_ptr<const actor_bridge> bridge, actors::job_supervisor_actor supervisor,
              std::chrono::milliseconds timeout);

  /// Submits `spec`; exactly one of `taken` and `refused` runs, on a CAF thread (they must
  /// only post to a session's I/O thread). Any thread.
  void submit(actors::job_spec spec, on_taken taken, on_refused refused) const;

  struct state;  ///< shared with the calls in flight, which may outlive the lane

private:
  std::shared_ptr<state> state_;
};

}  // namespace jobmesh::net
