#pragma once
/// The progress hub: fans job events out to the WebSocket sessions subscribed to their topic
/// (`job:<id>`, `user:<id>`, `jobs`). Each event is serialised once, as the frame sessions send
/// (`{"topic","seq","type","data","sent_at"}`), and shared by all subscribers. `seq` rises by
/// one per topic; a bounded history per topic lets a reconnecting client catch up with `since`,
/// or tells it to re-read state (`reset`) when the history no longer reaches back that far.
///
/// (publish_atom, topics, job, type, data JSON text)   from runners and the supervisor: one
///                                                   event on each topic; `job` (may be empty)
///                                                   lets sessions coalesce progress per job
/// (publish_atom, job_events)                         jobs' own events, in order, each on its
///                                                   job's topics (`job:<id>`, `user:<id>`,
///                                                   `jobs`), its data the job's JSON, written
///                                                   only when a frame of it is first sent
/// (subscribe_atom, topic, since, subscriber)        since < 0: none; the subscriber receives
///                                                   (frame_atom, hub_frame) messages, or an
///                                                   `error` frame `too_many_subscriptions`
///                                                   past the process's cap
/// (subscribe_atom, topic, since, subscriber, sink)  the same, the frames handed to `sink`
///                                                   (no message per frame); the subscriber
///                                                   stays the one monitored and unsubscribed
/// (unsubscribe_atom, topic, subscriber)
/// Each subscriber is monitored once, however many topics it follows, and indexed to its topics:
/// one that terminates is dropped from exactly those.
///
/// A job's own topic (`job:<id>`) is made by its first subscriber: until then the job's events
/// go to the user's topic and `jobs` only (most jobs are never followed one by one, and a
/// topic per job cost the hub more than the rest of its work). A topic made after its job
/// ended (and while the engine's finished jobs hold it) starts with that end.

#include "actors/messages.hpp"

#include <vector>

namespace jobmesh::actors {

using progress_hub_actor =
    caf::typed_actor<caf::reacts_to<publish_atom, std::vector<std::string>, std::string, std::string, std::string>,
                     caf::reacts_to<publish_atom, job_events>,
                     caf::reacts_to<subscribe_atom, std::string, std::int64_t, caf::actor>,
                     caf::reacts_to<subscribe_atom, std::string, std::int64_t, caf::actor, frame_sink_ptr>,
                     caf::reacts_to<unsubscribe_atom, std::string, caf::actor>>;

/// Events kept per topic for `since`.
constexpr std::size_t k_topic_history = 128;

/// Topics kept at most; beyond, topics without subscribers are forgotten.
constexpr std::size_t k_max_topics = 10'000;

/// (topic, subscriber) pairs held at most in one process (a session holds at most 1,024).
constexpr std::size_t k_max_subscriptions = 1'000'000;

/// True for the event types a slow client may miss in favour of a later one (progress).
bool is_droppable_event(std::string_view type);

/// The frame text for one event.
std::string make_frame_text(std::string_view topic, std::uint64_t seq, std::string_view type,
                            std::string_view data_json, std::int64_t sent_at_ms);

class finished_jobs;

/// Spawns the hub; `finished` (may be null) seeds a job's topic made after the job ended.
progress_hub_actor spawn_progress_hub(caf::actor_system& sys, std::shared_ptr<const finished_jobs> finished = nullptr);

}  // namespace jobmesh::actors
