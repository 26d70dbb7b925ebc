#include "net/detail/ws_session.hpp"

#include "actors/errors.hpp"
#include "actors/finished_jobs.hpp"
#include "actors/job_json.hpp"
#include "net/actor_bridge.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <simdjson.h>
#include <spdlog/spdlog.h>

namespace jobmesh::net::detail {

namespace beast = boost::beast;
namespace asio = boost::asio;
namespace websocket = beast::websocket;

namespace {

constexpr std::size_t k_max_client_message = 64 * 1024;
constexpr std::size_t k_max_topics_per_session = 1024;
constexpr std::size_t k_terminal_backlog_factor = 4;
// A progress frame unsent this long is late: a newer one of its job replaces it (frame_queue.hpp).
constexpr auto k_coalesce_after = std::chrono::milliseconds(20);

boost::json::object error_data(std::string_view code, std::string_view message) {
  return {{"code", code}, {"message", message}};
}

}  // namespace

bool is_valid_topic(std::string_view topic) {
  if (topic == "jobs" || topic == "analytics")
    return true;
  for (std::string_view prefix : {"job:", "user:"})
    if (topic.starts_with(prefix) && topic.size() > prefix.size() && topic.size() <= prefix.size() + 64)
      return true;
  return false;
}

// The hub's frames, queued on the session's I/O thread's lane from the hub's thread: no actor
// message and no post per frame (the bridge stays what the hub monitors and unsubscribes).
class ws_session::session_sink final : public actors::frame_sink {
public:
  session_sink(std::shared_ptr<frame_lane> lane, std::weak_ptr<ws_session> session)
      : lane_(std::move(lane)), session_(std::move(session)) {}

  void deliver(const actors::shared_frame& frame) override { lane_->deliver(session_, frame); }

private:
  std::shared_ptr<frame_lane> lane_;
  std::weak_ptr<ws_session> session_;
};

ws_session::ws_session(asio::ip::tcp::socket socket, std::shared_ptr<const api_context> ctx,
                       std::shared_ptr<connection_slot> slot, std::shared_ptr<io_gate> gate,
                       std::shared_ptr<frame_lane> lane, identity who)
    : ws_(std::move(socket)), ctx_(std::move(ctx)), who_(std::move(who)), slot_(std::move(slot)),
      outlet_(std::make_shared<outlet>(std::move(gate), ws_.get_executor())), lane_(std::move(lane)),
      queue_(static_cast<std::size_t>(ctx_->settings.server.ws_queue_limit), k_terminal_backlog_factor, k_coalesce_after) {
  if (ctx_->engine.metrics)
    ctx_->engine.metrics->websocket_opened();
}

ws_session::~ws_session() {
  if (ctx_->engine.metrics)
    ctx_->engine.metrics->websocket_closed();
  outlet_->close();
  // The hub monitors the bridge: its exit removes every subscription of this session.
  if (bridge_)
    caf::anon_send_exit(bridge_, caf::exit_reason::user_shutdown);
}

void ws_session::run(request req) {
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = std::chrono::milliseconds(ctx_->settings.server.idle_timeout_ms);
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(k_max_client_message);
  ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec)
    return;
  std::weak_ptr<ws_session> weak = shared_from_this();
  // Hidden: a bridge lives exactly as long as its session, which the network layer owns, so
  // the actor system's shutdown does not wait for it. It may outlive the server: it holds
  // nothing of Asio's.
  bridge_ = ctx_->sys->spawn<caf::hidden>(
      [](caf::event_based_actor*, std::weak_ptr<ws_session> weak, std::shared_ptr<outlet> out) -> caf::behavior {
        return {
            [weak, out](actors::frame_atom, actors::hub_frame& frame) {
              post_to_session(*out, weak,
                              [f = std::make_shared<const actors::hub_frame>(std::move(frame)),
                               at = frame_queue::clock::now()](ws_session& s) mutable { s.enqueue(std::move(f), at); });
            },
        };
      },
      weak, outlet_);
  sink_ = std::make_shared<session_sink>(lane_, weak);
  do_read();
}

void ws_session::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void ws_session::on_read(beast::error_code ec) {
  if (ec) {
    closed_ = true;
    if (ec != websocket::error::closed && ec != asio::error::operation_aborted && ec != beast::error::timeout)
      spdlog::debug("ws: read: {}", ec.message());
    return;
  }
  handle_message(std::string_view{static_cast<const char*>(buffer_.data().data()), buffer_.size()});
  buffer_.consume(buffer_.size());
  do_read();
}

// A bad message gets an `error` frame; the connection stays open (API.md).
void ws_session::handle_message(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::object msg;
  if (parser.parse(text.data(), text.size(), true).get_object().get(msg))
    return send_local("", "error", boost::json::serialize(error_data("invalid_message", "a message must be a JSON object")));
  std::string_view op, topic;
  if (msg["op"].get_string().get(op))
    return send_local("", "error", boost::json::serialize(error_data("invalid_message", "op must be subscribe, unsubscribe or ping")));
  if (op == "ping")
    return send_local("", "pong", "{}");
  if (op != "subscribe" && op != "unsubscribe")
    return send_local("", "error", boost::json::serialize(error_data("invalid_message", "op must be subscribe, unsubscribe or ping")));
  if (msg["topic"].get_string().get(topic) || !is_valid_topic(topic))
    return send_local(topic, "error",
                      boost::json::serialize(error_data("invalid_topic", "topic must be job:<id>, user:<id>, jobs or analytics")));
  if (op == "unsubscribe") {
    asking_.erase(std::string{topic});
    topics_.erase(std::string{topic});
    caf::anon_send(ctx_->engine.hub, actors::unsubscribe_atom::value, std::string{topic}, bridge_);
    return;
  }
  std::int64_t since = -1;
  if (auto field = msg["since"]; field.error() != simdjson::NO_SUCH_FIELD && (field.get_int64().get(since) || since < 0))
    return send_local(topic, "error", boost::json::serialize(error_data("invalid_message", "since must be a non-negative integer")));
  authorize_then_subscribe(std::string{topic}, since);
}

// Admin and service follow any topic; a user its own `user:` topic and its own jobs (another
// user's job is "not_found", as over HTTP). A job's topic is followed only when the job exists
// (for every role, as GET /api/v1/jobs/{id} answers): a job that ended lately is found in the
// engine's finished jobs here; any other is asked of the supervisor, and the answer comes back
// to this session's thread, if the session is still there. Only the latest request for a
// topic counts: an unsubscribe, or another subscribe, sent meanwhile wins over its answer.
void ws_session::authorize_then_subscribe(const std::string& topic, std::int64_t since) {
  if (!topic.starts_with("job:")) {
    if (who_.sees_all_jobs() || (topic.starts_with("user:") && topic.substr(5) == who_.user))
      return subscribe(topic, since);
    return send_local(topic, "error",
                      boost::json::serialize(error_data("forbidden", "this topic needs the admin or service role")));
  }
  auto id = topic.substr(4);
  auto not_found = boost::json::serialize(error_data("not_found", "no job with id " + id));
  if (ctx_->engine.finished) {
    if (auto job = ctx_->engine.finished->find(id, actors::now_ms())) {
      if (may_see(who_, job->user_id))
        return subscribe(topic, since);
      return send_local(topic, "error", not_found);
    }
  }
  auto ticket = ++asks_;
  asking_[topic] = ticket;
  std::weak_ptr<ws_session> weak = shared_from_this();
  auto executor = ws_.get_executor();
  // `refusal`: empty when the caller may follow the job, else the error frame's data.
  auto answer = [weak, executor, topic, since, ticket](std::string refusal) {
    asio::post(executor, [weak, topic, since, ticket, refusal = std::move(refusal)] {
      auto self = weak.lock();
      if (!self || self->closed_)
        return;
      auto asked = self->asking_.find(topic);
      if (asked == self->asking_.end() || asked->second != ticket)
        return;  // unsubscribed, or asked again, meanwhile
      self->asking_.erase(asked);
      if (refusal.empty())
        return self->subscribe(topic, since);
      self->send_local(topic, "error", refusal);
    });
  };
  ask(
      *ctx_->bridge, ctx_->engine.supervisor, ctx_->request_timeout(),
      [answer, not_found, who = who_](storage::job_record& job) {
        answer(may_see(who, job.user_id) ? std::string{} : not_found);
      },
      [answer, not_found](caf::error& e) {
        if (actors::code_of(e) == actors::errc::not_found)
          return answer(not_found);
        answer(boost::json::serialize(error_data("unavailable", "the job could not be looked up: " + actors::message_of(e))));
      },
      caf::get_atom::value, id);
}

void ws_session::subscribe(const std::string& topic, std::int64_t since) {
  if (topics_.size() >= k_max_topics_per_session && !topics_.contains(topic))
    return send_local(topic, "error", boost::json::serialize(error_data("too_many_topics", "a session may follow 1024 topics")));
  topics_.insert(topic);
  caf::anon_send(ctx_->engine.hub, actors::subscribe_atom::value, topic, since, bridge_, actors::frame_sink_ptr{sink_});
}

// Frames of this session only (pong, error): not part of a topic's sequence, so seq is 0.
void ws_session::send_local(std::string_view topic, std::string_view type, std::string_view data) {
  auto text = actors::make_frame_text(topic, 0, type, data, actors::now_ms());
  enqueue(std::make_shared<const actors::hub_frame>(
      actors::hub_frame{std::string{topic}, 0, false, std::make_shared<const std::string>(std::move(text))}),
      frame_queue::clock::now());
}

void ws_session::enqueue(actors::shared_frame frame, frame_queue::clock::time_point at) {
  if (queue(std::move(frame), at))
    flush();
}

bool ws_session::queue(actors::shared_frame frame, frame_queue::clock::time_point at) {
  if (closed_)
    return false;
  bool idle = queue_.empty();  // nothing on the wire, nothing waiting for a flush
  auto outcome = queue_.push(std::move(frame), at);
  if (outcome == frame_queue::outcome::overflow) {
    spdlog::warn("ws: client too slow ({} frames queued); closing", queue_.size());
    closed_ = true;
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
    return false;
  }
  if (const auto& m = ctx_->engine.metrics) {
    if (outcome == frame_queue::outcome::coalesced)
      m->frame_coalesced();
    else if (outcome == frame_queue::outcome::dropped)
      m->frame_dropped();
  }
  return idle && !queue_.empty();
}

void ws_session::flush() {
  if (!closed_ && !queue_.writing() && !queue_.empty())
    do_write();
}

void ws_session::do_write() {
  queue_.begin_write();
  ws_.text(true);
  ws_.async_write(asio::buffer(*queue_.front().text),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void ws_session::on_write(beast::error_code ec) {
  if (ec) {
    closed_ = true;
    return;
  }
  queue_.pop();
  if (!queue_.empty())
    do_write();
}

}  // namespace jobmesh::net::detail
