#include "storage_gates.hpp"

namespace jobmesh::testing {

namespace {

using storage::job_record;
using records = std::vector<job_record>;

struct reader_gate_state {
  actors::storage_reader_actor real;
  std::optional<caf::typed_response_promise<records>> held;  ///< the supervisor's read
  std::optional<caf::typed_response_promise<caf::ok_atom>> gate;
  std::optional<records> rows;
  bool done = false;
};

using reader_pointer = gated_reader_actor::stateful_pointer<reader_gate_state>;

// Runs the held read once both the read and the test's `gate` are here.
void run_held_read(reader_pointer self) {
  auto& st = self->state;
  if (!st.held || !st.gate || st.done)
    return;
  st.done = true;
  self->request(st.real, caf::infinite, actors::status_atom::value, std::string{"queued"})
      .then(
          [=](records& rows) {
            self->state.rows = std::move(rows);
            self->state.gate->deliver(caf::ok_atom::value);
          },
          [=](caf::error& e) { self->state.gate->deliver(std::move(e)); });
}

gated_reader_actor::behavior_type gated_reader(reader_pointer self, actors::storage_reader_actor real) {
  self->state.real = std::move(real);
  return {
      [=](caf::get_atom a, std::string& id) { return self->delegate(self->state.real, a, std::move(id)); },
      [=](caf::get_atom a, std::string& user, std::string& key) {
        return self->delegate(self->state.real, a, std::move(user), std::move(key));
      },
      [=](actors::list_atom a, storage::job_filter& f) { return self->delegate(self->state.real, a, std::move(f)); },
      [=](actors::items_atom a, storage::item_filter& f) { return self->delegate(self->state.real, a, std::move(f)); },
      [=](actors::items_atom a, std::string& id) { return self->delegate(self->state.real, a, std::move(id)); },
      [=](actors::stalled_atom a, std::int64_t before) { return self->delegate(self->state.real, a, before); },
      [=](actors::statistics_atom a, std::int64_t since) { return self->delegate(self->state.real, a, since); },
      [=](actors::schedule_atom a) { return self->delegate(self->state.real, a); },
      [=](actors::cleanup_atom a, std::int64_t now) { return self->delegate(self->state.real, a, now); },
      [=](caf::get_atom a, std::string& user, std::vector<std::string>& keys) {
        return self->delegate(self->state.real, a, std::move(user), std::move(keys));
      },
      [=](actors::status_atom a, std::string& status) -> caf::result<records> {
        if (status != "queued" || self->state.held)
          return self->delegate(self->state.real, a, std::move(status));
        auto promise = self->make_response_promise<records>();
        self->state.held = promise;
        run_held_read(self);
        return promise;
      },
      [=](gate_atom) -> caf::result<caf::ok_atom> {
        auto promise = self->make_response_promise<caf::ok_atom>();
        self->state.gate = promise;
        run_held_read(self);
        return promise;
      },
      [=](open_atom) {
        auto& st = self->state;
        if (st.held && st.rows)
          st.held->deliver(std::move(*st.rows));
      },
  };
}

struct writer_gate_state {
  actors::storage_writer_actor real;
  std::optional<storage::write_batch> held;
  std::optional<caf::typed_response_promise<caf::ok_atom>> held_promise;
  std::optional<caf::typed_response_promise<caf::ok_atom>> gate;
};

using writer_pointer = gated_writer_actor::stateful_pointer<writer_gate_state>;

bool ends_a_job(const storage::write_batch& batch) {
  for (const auto& job : batch.updated_jobs)
    if (job.status != storage::job_status::queued && job.status != storage::job_status::running)
      return true;
  return false;
}

gated_writer_actor::behavior_type gated_writer(writer_pointer self, actors::storage_writer_actor real) {
  self->state.real = std::move(real);
  return pass_through_writer<gated_writer_actor::behavior_type>(
      self,
      [=](actors::write_atom a, storage::write_batch& batch) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.held_promise || !ends_a_job(batch))
          return self->delegate(st.real, a, std::move(batch));
        st.held = std::move(batch);
        st.held_promise = self->make_response_promise<caf::ok_atom>();
        if (st.gate)
          st.gate->deliver(caf::ok_atom::value);
        return *st.held_promise;
      },
      [=](gate_atom) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.held)
          return caf::ok_atom::value;
        st.gate = self->make_response_promise<caf::ok_atom>();
        return *st.gate;
      },
      [=](open_atom) {
        auto& st = self->state;
        if (st.held && st.held_promise)
          st.held_promise->delegate(st.real, actors::write_atom::value, std::move(*st.held));
        st.held.reset();
      });
}

struct answer_gate_state {
  actors::storage_writer_actor real;
  bool seen = false, committed = false;
  std::optional<caf::typed_response_promise<caf::ok_atom>> held;
  std::optional<caf::typed_response_promise<caf::ok_atom>> gate;
};

gated_writer_actor::behavior_type answer_gated_writer(gated_writer_actor::stateful_pointer<answer_gate_state> self,
                                                      actors::storage_writer_actor real) {
  self->state.real = std::move(real);
  return pass_through_writer<gated_writer_actor::behavior_type>(
      self,
      [=](actors::write_atom a, storage::write_batch& batch) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.seen || !ends_a_job(batch))
          return self->delegate(st.real, a, std::move(batch));
        st.seen = true;
        auto promise = self->make_response_promise<caf::ok_atom>();
        self->request(st.real, caf::infinite, a, std::move(batch))
            .then(
                [=](caf::ok_atom) mutable {
                  auto& s = self->state;
                  s.committed = true;
                  s.held = promise;
                  if (s.gate)
                    s.gate->deliver(caf::ok_atom::value);
                },
                [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
        return promise;
      },
      [=](gate_atom) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.committed)
          return caf::ok_atom::value;
        st.gate = self->make_response_promise<caf::ok_atom>();
        return *st.gate;
      },
      [=](open_atom) {
        auto& st = self->state;
        if (st.held)
          st.held->deliver(caf::ok_atom::value);
        st.held.reset();
      });
}

}  // namespace

gated_writer_actor spawn_answer_gated_writer(caf::actor_system& sys, actors::storage_writer_actor real) {
  return sys.spawn(answer_gated_writer, std::move(real));
}

gated_reader_actor spawn_gated_reader(caf::actor_system& sys, actors::storage_reader_actor real) {
  return sys.spawn(gated_reader, std::move(real));
}

gated_writer_actor spawn_gated_writer(caf::actor_system& sys, actors::storage_writer_actor real) {
  return sys.spawn(gated_writer, std::move(real));
}

}  // namespace jobmesh::testing
