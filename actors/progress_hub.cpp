#include "actors/progress_hub.hpp"

#include "actors/finished_jobs.hpp"
#include "actors/job_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace jobmesh::actors {

namespace {

/// An event as a topic keeps it: its frame text is written only when someone is sent it (most
/// events, kept on topics nobody follows, never are), then kept.
/// An event's data: given as text, or the job it is about, written as JSON when first needed.
/// One per event, shared by its topics.
struct event_data {
  std::optional<std::string> text;
  shared_job job;
  std::string job_id;  ///< the job a text event is about (may be empty); a job's event: its id

  const std::string& get() {
    if (!text)
      text = job_json_text(*job);
    return *text;
  }
  const std::string& job_of() const { return job ? job->id : job_id; }
};

struct stored_event {
  std::uint64_t seq = 0;
  std::string type;
  std::shared_ptr<event_data> data;
  std::int64_t sent_at = 0;
  shared_frame frame;  ///< written when first sent
};

/// A subscriber: the actor the hub monitors, and where its frames go when it gave a sink.
struct subscriber {
  caf::actor who;
  frame_sink_ptr sink;
};

/// A topic's last events, oldest first, at most `cap` (a ring once full). Unlike std::deque,
/// it allocates nothing until the first event and only what it holds: most topics (`job:<id>`)
/// see two or three events in their life.
class event_history {
public:
  bool empty() const { return events_.empty(); }
  stored_event& front() { return events_[head_]; }
  stored_event& back() { return events_[(head_ + events_.size() - 1) % events_.size()]; }
  void push(stored_event e, std::size_t cap) {
    if (cap == 0)
      return;
    if (events_.size() < cap) {
      events_.push_back(std::move(e));
      return;
    }
    events_[head_] = std::move(e);  // over the oldest
    head_ = (head_ + 1) % events_.size();
  }
  template <class F>
  void for_each(F f) {
    for (std::size_t i = 0; i < events_.size(); ++i)
      f(events_[(head_ + i) % events_.size()]);
  }

private:
  std::vector<stored_event> events_;
  std::size_t head_ = 0;  ///< the oldest, once the ring is full
};

struct topic_state {
  std::uint64_t seq = 0;
  event_history history;
  std::vector<subscriber> subscribers;
};

struct hub_state {
  /// Open addressing: every job's events make a topic (`job:<id>`), kept for a late
  /// subscriber's catch-up until the map is full; a node per topic cost an allocation each.
  boost::unordered_flat_map<std::string, topic_state> topics;
  /// Every subscriber, monitored once, with the topics it follows.
  std::unordered_map<caf::actor_addr, std::unordered_set<std::string>> topics_of;
  std::size_t subscriptions = 0;
  std::size_t history = k_topic_history;
  std::shared_ptr<const finished_jobs> finished;  ///< may be null: what seeds a new job topic
  static inline const char* name = "progress_hub";
};

using hub_pointer = progress_hub_actor::stateful_pointer<hub_state>;

shared_frame make_frame(const std::string& topic, std::uint64_t seq, std::string_view type, std::string_view data,
                        const std::string& job = {}) {
  return std::make_shared<const hub_frame>(
      hub_frame{topic, seq, is_droppable_event(type),
                std::make_shared<const std::string>(make_frame_text(topic, seq, type, data, now_ms())), job});
}

// Straight into a subscriber's sink when it has one; otherwise as an anonymous message
// (subscribers are dynamically typed).
void send_frame(const subscriber& to, const shared_frame& frame) {
  if (to.sink)
    to.sink->deliver(frame);
  else
    caf::anon_send(to.who, frame_atom::value, *frame);
}

// Keeps the topic map bounded: topics nobody listens to are the ones to forget.
void forget_idle_topics(hub_state& st) {
  if (st.topics.size() <= k_max_topics)
    return;
  boost::unordered::erase_if(st.topics, [](const auto& topic) { return topic.second.subscribers.empty(); });
}

const shared_frame& frame_of(const std::string& topic, stored_event& e) {
  if (!e.frame)
    e.frame = std::make_shared<const hub_frame>(hub_frame{
        topic, e.seq, is_droppable_event(e.type),
        std::make_shared<const std::string>(make_frame_text(topic, e.seq, e.type, e.data->get(), e.sent_at)),
        e.data->job_of()});
  return e.frame;
}

bool is_job_topic(std::string_view topic) {
  return topic.starts_with("job:");
}

// A job's topic is made by its first subscriber: the events of a job nobody follows (most
// jobs) are kept on the user's and the `jobs` topics only, not on a topic of their own.
void publish(hub_pointer self, std::string topic, const std::string& type, const std::shared_ptr<event_data>& data,
             std::int64_t now) {
  auto& topics = self->state.topics;
  auto it = is_job_topic(topic) ? topics.find(topic) : topics.try_emplace(std::move(topic)).first;
  if (it == topics.end())
    return;
  auto& t = it->second;
  // The end a new subscriber's topic was seeded with (below) is not told twice.
  if (data->job && !t.history.empty() && t.history.back().data->job == data->job)
    return;
  t.history.push({++t.seq, type, data, now, nullptr}, self->state.history);
  if (!t.subscribers.empty()) {
    const auto& frame = frame_of(it->first, t.history.back());
    for (const auto& s : t.subscribers)
      send_frame(s, frame);
  }
}

// The job's own event on its topics, its data the job as JSON once a frame needs it.
void publish_job(hub_pointer self, shared_job job, const std::string& type, std::int64_t now) {
  auto on_job = "job:" + job->id;
  auto on_user = "user:" + job->user_id;
  auto shared = std::make_shared<event_data>(event_data{std::nullopt, std::move(job), {}});
  publish(self, std::move(on_job), type, shared, now);
  publish(self, std::move(on_user), type, shared, now);
  publish(self, "jobs", type, shared, now);
}

// A job's topic made now, for a job that ended lately: it starts with that end (the engine's
// finished jobs have it before the hub is told), so a client that subscribes just after a job
// finished still learns how it ended.
void seed_job_topic(const hub_state& st, const std::string& topic, topic_state& t) {
  if (!st.finished || !is_job_topic(topic))
    return;
  auto now = now_ms();
  auto job = st.finished->find(std::string_view{topic}.substr(4), now);
  if (!job)
    return;
  auto data = std::make_shared<event_data>(event_data{std::nullopt, job, {}});
  t.history.push({++t.seq, std::string{to_string(job->status)}, std::move(data), now, nullptr}, st.history);
}

// What a new subscriber sees: `subscribed`, then either what it missed since `since`, or a
// `reset` when history no longer reaches back or `since` is ahead of the topic; without `since`,
// the topic's latest event, so a client that subscribes just after a job finished still learns
// how it ended. `subscribed` carries the number just before the first event that follows it
// (the topic's latest when none does), so every frame's `seq` is where the client stands: it
// may keep the last one it saw, whatever its type, and pass it as `since` when it reconnects.
void catch_up(const std::string& topic, topic_state& t, std::int64_t since, const subscriber& to) {
  if (since < 0) {
    if (t.history.empty())
      return send_frame(to, make_frame(topic, t.seq, "subscribed", "{}"));
    auto& latest = t.history.back();
    send_frame(to, make_frame(topic, latest.seq - 1, "subscribed", "{}"));
    send_frame(to, frame_of(topic, latest));
    return;
  }
  auto wanted = static_cast<std::uint64_t>(since) + 1;
  // Ahead of the topic (its numbers started again: the server restarted), or behind what the
  // history still holds: the client must read the state afresh.
  if (wanted != t.seq + 1 && (wanted > t.seq || t.history.empty() || t.history.front().seq > wanted)) {
    send_frame(to, make_frame(topic, t.seq, "subscribed", "{}"));
    send_frame(to, make_frame(topic, t.seq, "reset", "{}"));
    return;
  }
  send_frame(to, make_frame(topic, wanted - 1, "subscribed", "{}"));
  t.history.for_each([&](stored_event& e) {
    if (e.seq >= wanted)
      send_frame(to, frame_of(topic, e));
  });
}

void subscribe(hub_pointer self, const std::string& topic, std::int64_t since, const subscriber& s) {
  auto& st = self->state;
  const auto& who = s.who;
  auto [entry, first_topic] = st.topics_of.try_emplace(who.address());
  if (!entry->second.contains(topic)) {
    if (st.subscriptions >= k_max_subscriptions) {
      if (first_topic)
        st.topics_of.erase(entry);
      auto data = R"({"code":"too_many_subscriptions","message":"the server follows its limit of topics for all sessions; try again later"})";
      return send_frame(s, make_frame(topic, 0, "error", data));
    }
    if (first_topic)
      self->monitor(who);
    entry->second.insert(topic);
    auto [t, made] = st.topics.try_emplace(topic);
    if (made)
      seed_job_topic(st, topic, t->second);
    t->second.subscribers.push_back(s);
    ++st.subscriptions;
    forget_idle_topics(st);
  }
  catch_up(topic, st.topics[topic], since, s);
}

void unsubscribe(hub_pointer self, const std::string& topic, const caf::actor& who) {
  auto& st = self->state;
  auto entry = st.topics_of.find(who.address());
  if (entry == st.topics_of.end() || entry->second.erase(topic) == 0)
    return;
  --st.subscriptions;
  if (auto t = st.topics.find(topic); t != st.topics.end())
    std::erase_if(t->second.subscribers, [&](const subscriber& s) { return s.who == who; });
  if (entry->second.empty()) {
    st.topics_of.erase(entry);
    self->demonitor(who);
  }
}

// A subscriber ended: out of the topics it followed, and only those.
void drop_subscriber(hub_state& st, const caf::actor_addr& who) {
  auto entry = st.topics_of.find(who);
  if (entry == st.topics_of.end())
    return;
  for (const auto& topic : entry->second)
    if (auto t = st.topics.find(topic); t != st.topics.end())
      std::erase_if(t->second.subscribers, [&](const subscriber& s) { return s.who.address() == who; });
  st.subscriptions -= entry->second.size();
  st.topics_of.erase(entry);
}

progress_hub_actor::behavior_type hub(hub_pointer self, std::size_t history,
                                      std::shared_ptr<const finished_jobs> finished) {
  self->state.history = history;
  self->state.finished = std::move(finished);
  self->set_down_handler([=](const caf::down_msg& dm) { drop_subscriber(self->state, dm.source); });
  return {
      [=](publish_atom, std::vector<std::string>& topics, std::string& job, const std::string& type,
          std::string& data) {
        auto shared = std::make_shared<event_data>(event_data{std::move(data), {}, std::move(job)});
        auto now = now_ms();
        for (auto& topic : topics)
          publish(self, std::move(topic), type, shared, now);
        forget_idle_topics(self->state);
      },
      [=](publish_atom, job_events& events) {
        auto now = now_ms();
        for (auto& e : events)
          publish_job(self, std::move(e.job), e.type, now);
        forget_idle_topics(self->state);
      },
      [=](subscribe_atom, const std::string& topic, std::int64_t since, const caf::actor& who) {
        subscribe(self, topic, since, {who, nullptr});
      },
      [=](subscribe_atom, const std::string& topic, std::int64_t since, const caf::actor& who, frame_sink_ptr& sink) {
        subscribe(self, topic, since, {who, std::move(sink)});
      },
      [=](unsubscribe_atom, const std::string& topic, const caf::actor& who) { unsubscribe(self, topic, who); },
  };
}

}  // namespace

bool is_droppable_event(std::string_view type) {
  return type == "progress" || type == "analytics";
}

std::string make_frame_text(std::string_view topic, std::uint64_t seq, std::string_view type,
                            std::string_view data_json, std::int64_t sent_at_ms) {
  std::string out;
  out.reserve(data_json.size() + topic.size() + 96);
  out += R"({"topic":)";
  out += boost::json::serialize(boost::json::string(topic));
  out += R"(,"seq":)";
  out += std::to_string(seq);
  out += R"(,"type":)";
  out += boost::json::serialize(boost::json::string(type));
  out += R"(,"data":)";
  out += data_json;
  out += R"(,"sent_at":")";
  out += format_time(sent_at_ms);
  out += "\"}";
  return out;
}

progress_hub_actor spawn_progress_hub(caf::actor_system& sys, std::shared_ptr<const finished_jobs> finished) {
  return sys.spawn(hub, k_topic_history, std::move(finished));
}

}  // namespace jobmesh::actors
