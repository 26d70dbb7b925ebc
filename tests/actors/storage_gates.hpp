#pragma once
// Storage actors with a gate in front, for tests that must force one interleaving of the
// engine's messages instead of hoping for it. Each forwards everything to the real actor except
// the one message it gates; the test opens the gate in two steps (`gate`: let the held message
// through and wait until its effect is in hand; `open`: hand the result on).

#include "actors/storage_actors.hpp"

#include <caf/all.hpp>

#include <optional>

namespace jobmesh::testing {

using gate_atom = caf::atom_constant<caf::atom("gate")>;
using open_atom = caf::atom_constant<caf::atom("open")>;

/// A reader that holds the supervisor's recovery read of queued jobs.
///   (gate_atom) -> ok_atom   runs the held read; answers once its rows are in hand
///   (open_atom)              delivers those rows to the supervisor
using gated_reader_actor = actors::storage_reader_actor::extend<caf::replies_to<gate_atom>::with<caf::ok_atom>,
                                                                caf::reacts_to<open_atom>>;

/// A writer that holds the first write that ends a job (a terminal status in updated_jobs) and
/// answers ok_atom: a runner's, not a batch of quick jobs' (whose writes pass).
///   (gate_atom) -> ok_atom   answers once such a write is held (it is not yet committed)
///   (open_atom)              commits it and answers its writer
using gated_writer_actor = actors::storage_writer_actor::extend<caf::replies_to<gate_atom>::with<caf::ok_atom>,
                                                                caf::reacts_to<open_atom>>;

/// A test writer's behaviour: its own handlers (`write`, its plain write handler, first; then
/// its fenced write handler and its queries) and the writer's other messages passed on to
/// `self->state.real`, the real writer. A lazy write goes to `write` as it comes, so the test
/// sees it as any other, in the order its sender wrote.
template <class Behavior, class Self, class Write, class... Handlers>
Behavior pass_through_writer_queries(Self self, Write write, Handlers... handlers) {
  return Behavior{
      write,
      handlers...,
      [=](actors::write_atom a, storage::write_batch& batch, actors::lazy_atom) -> caf::result<caf::ok_atom> {
        return write(a, batch);
      },
      [=](actors::flush_atom a) { self->send(self->state.real, a); },
      [=](actors::flush_atom a, actors::lazy_atom l) { self->send(self->state.real, a, l); },
      [=](actors::cleanup_atom a, std::int64_t now, std::int64_t limit) {
        return self->delegate(self->state.real, a, now, limit);
      },
      [=](actors::orphan_atom a, std::string& table, std::int64_t limit) -> caf::result<storage::orphan_deletion> {
        return self->delegate(self->state.real, a, std::move(table), limit);
      },
      [=](actors::activity_atom a,
          std::vector<std::string>& ids) -> caf::result<std::vector<storage::activity_row>> {
        return self->delegate(self->state.real, a, std::move(ids));
      },
  };
}

/// The same, with the fenced writes passed on too: the test's handlers hold its plain write
/// handler and its queries.
template <class Behavior, class Self, class Write, class... Handlers>
Behavior pass_through_writer(Self self, Write write, Handlers... handlers) {
  return pass_through_writer_queries<Behavior>(
      self, write, handlers...,
      [=](actors::write_atom a, storage::write_batch& batch,
          actors::fences_atom f) -> caf::result<std::vector<std::string>> {
        return self->delegate(self->state.real, a, std::move(batch), f);
      });
}

gated_reader_actor spawn_gated_reader(caf::actor_system& sys, actors::storage_reader_actor real);
gated_writer_actor spawn_gated_writer(caf::actor_system& sys, actors::storage_writer_actor real);
/// A writer that commits the first write that ends a job at once but holds its answer: the
/// end is stored and its writer has not heard so.
///   (gate_atom) -> ok_atom   answers once such a write is committed and its answer held
///   (open_atom)              hands the answer on
gated_writer_actor spawn_answer_gated_writer(caf::actor_system& sys, actors::storage_writer_actor real);

}  // namespace jobmesh::testing
