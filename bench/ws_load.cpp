#include "bench/ws_load.hpp"

#include "bench/harness.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace jobmesh::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

double unix_ms_now() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The value after `quoted` (`"key":`) in a frame's text: a string's contents or a number's digits.
std::string_view field(std::string_view frame, std::string_view quoted) {
  auto at = frame.find(quoted);
  if (at == std::string_view::npos)
    return {};
  at += quoted.size();
  if (at < frame.size() && frame[at] == '"') {
    auto end = frame.find('"', at + 1);
    return end == std::string_view::npos ? std::string_view{} : frame.substr(at + 1, end - at - 1);
  }
  auto end = frame.find_first_of(",}", at);
  return frame.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
}

// What the clients of one thread saw; guarded by its mutex (taken by that thread per frame, and
// by the measuring thread at the window's ends).
struct tally {
  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::uint64_t errors = 0;
  std::vector<std::string> problems;
};

struct shared_state {
  const ws_clients_options& options;
  tcp::endpoint endpoint;
  std::atomic<std::size_t> subscribed{0};  ///< clients whose current topic said `subscribed`
  std::atomic<std::size_t> failed{0};
  std::atomic<bool> recording{false};
  std::atomic<std::size_t> next_to_connect{0};
  topic_of_client topic;
};

class client : public std::enable_shared_from_this<client> {
public:
  client(asio::io_context& ioc, shared_state& shared, tally& t, std::size_t index, std::function<void()> on_settled)
      : ws_(ioc), shared_(shared), tally_(t), index_(index), on_settled_(std::move(on_settled)) {}

  void start(std::string topic) {
    topic_ = std::move(topic);
    beast::get_lowest_layer(ws_).expires_after(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(shared_.options.timeout_s)));
    beast::get_lowest_layer(ws_).async_connect(shared_.endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->fail(ec, "connect");
      self->handshake();
    });
  }

  // Leaves the current topic and follows `topic`; `subscribed` for it is counted again.
  void follow(std::string topic) {
    send(fmt::format(R"({{"op":"unsubscribe","topic":"{}"}})", topic_));
    topic_ = std::move(topic);
    subscribed_ = false;
    subscribe();
  }

  std::size_t index() const { return index_; }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

private:
  void handshake() {
    beast::get_lowest_layer(ws_).expires_never();  // the stream's own timeouts from here
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(shared_.options.timeout_s));
    ws_.set_option(timeouts);
    ws_.async_handshake(shared_.options.host, shared_.options.target,
                        [self = shared_from_this()](beast::error_code ec) {
                          if (ec)
                            return self->fail(ec, "handshake");
                          self->subscribe();
                          self->read();
                        });
  }

  void subscribe() {
    subscribe_sent_ms_ = unix_ms_now();
    send(fmt::format(R"({{"op":"subscribe","topic":"{}"}})", topic_));
  }

  void send(std::string text) {
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1)
      write_front();
  }

  void write_front() {
    ws_.text(true);
    ws_.async_write(asio::buffer(outbox_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail(ec, "write");
      self->outbox_.pop_front();
      if (!self->outbox_.empty())
        self->write_front();
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail(ec, "read");
      self->on_frame();
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void on_frame() {
    auto data = buffer_.cdata();
    std::string_view frame{static_cast<const char*>(data.data()), data.size()};
    if (field(frame, R"("topic":)") != topic_)
      return;
    auto type = field(frame, R"("type":)");
    std::int64_t seq = 0;
    auto seq_text = field(frame, R"("seq":)");
    std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
    if (type == "subscribed" && !subscribed_) {
      subscribed_ = true;
      subscribed_seq_ = seq;
      shared_.subscribed.fetch_add(1, std::memory_order_relaxed);
      if (!settled_) {
        settled_ = true;
        on_settled_();
      }
      return;
    }
    if (type != "progress" || !subscribed_ || seq <= subscribed_seq_ || !shared_.recording.load(std::memory_order_relaxed))
      return;
    // The topic's latest event follows `subscribed` as a catch-up: made before this client
    // asked to subscribe, it is no delivery to time.
    auto sent_at = static_cast<double>(iso_time_ms(field(frame, R"("sent_at":)")));
    if (sent_at < std::floor(subscribe_sent_ms_))
      return;
    double latency = unix_ms_now() - sent_at;
    std::lock_guard lock{tally_.mutex};
    tally_.latencies_ms.push_back(latency);
  }

  void fail(beast::error_code ec, const char* step) {
    if (failed_)
      return;
    failed_ = true;
    shared_.failed.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock{tally_.mutex};
      ++tally_.errors;
      keep_problem(tally_.problems, fmt::format("client {}: {}: {}", index_, step, ec.message()));
    }
    if (!settled_) {
      settled_ = true;
      on_settled_();
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  shared_state& shared_;
  tally& tally_;
  std::size_t index_;
  std::function<void()> on_settled_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::string topic_;
  bool subscribed_ = false, settled_ = false, failed_ = false;
  std::int64_t subscribed_seq_ = 0;
  double subscribe_sent_ms_ = 0;  ///< this client's clock when it last asked to subscribe
};

struct worker {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(ioc);
  tally seen;
  std::vector<std::shared_ptr<client>> clients;
  std::thread thread;
};

}  // namespace

struct ws_clients::impl {
  ws_clients_options options;
  shared_state shared{options, {}, {}, {}, {}, {}, {}};
  std::vector<std::unique_ptr<worker>> workers;

  // Connects the next client not yet started, on worker `w`; each settled client starts one
  // more, so that at most connects_in_flight handshakes run at once.
  void connect_next(std::size_t w) {
    auto i = shared.next_to_connect.fetch_add(1);
    if (i >= options.clients)
      return;
    auto& wk = *workers[w];
    auto c = std::make_shared<client>(wk.ioc, shared, wk.seen, i, [this, w] { connect_next(w); });
    wk.clients.push_back(c);
    c->start(shared.topic(i));
  }

  void wait_subscribed(double bound_s, const char* what) {
    auto until = wall_seconds() + bound_s;
    while (shared.subscribed.load() + shared.failed.load() < options.clients && wall_seconds() < until)
      std::this_thread::sleep_for(5ms);
    if (shared.failed.load() > 0 || shared.subscribed.load() < options.clients) {
      std::string first;
      for (auto& w : workers) {
        std::lock_guard lock{w->seen.mutex};
        if (!w->seen.problems.empty() && first.empty())
          first = w->seen.problems.front();
      }
      throw std::runtime_error(fmt::format("{}: {} of {} clients subscribed within {} s, {} failed{}", what,
                                           shared.subscribed.load(), options.clients, bound_s, shared.failed.load(),
                                           first.empty() ? "" : " (first: " + first + ")"));
    }
  }

  // Runs `f` on every worker's thread and waits for all of them.
  template <class F>
  void on_each_worker(F f) {
    std::atomic<std::size_t> done{0};
    for (auto& w : workers)
      asio::post(w->ioc, [&f, &done, wk = w.get()] {
        f(*wk);
        done.fetch_add(1);
      });
    while (done.load() < workers.size())
      std::this_thread::sleep_for(1ms);
  }
};

ws_clients::ws_clients(ws_clients_options options) : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  auto& o = impl_->options;
  beast::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec)
    throw std::invalid_argument("ws clients: not a numeric address: " + o.host);
  if (o.clients == 0)
    throw std::invalid_argument("ws clients: no clients");
  impl_->shared.endpoint = {address, o.port};
  auto threads = std::clamp<std::size_t>(o.threads, 1, o.clients);
  for (std::size_t i = 0; i < threads; ++i) {
    impl_->workers.push_back(std::make_unique<worker>());
    auto& w = *impl_->workers.back();
    w.thread = std::thread{[&w] { w.ioc.run(); }};
  }
}

ws_clients::~ws_clients() {
  impl_->on_each_worker([](worker& w) {
    for (auto& c : w.clients)
      c->close();
    w.guard.reset();
  });
  for (auto& w : impl_->workers) {
    w->ioc.stop();
    w->thread.join();
  }
}

std::size_t ws_clients::size() const {
  return impl_->options.clients;
}

void ws_clients::connect(const topic_of_client& topic, double bound_s) {
  impl_->shared.topic = topic;
  auto in_flight = std::max<std::size_t>(1, impl_->options.connects_in_flight);
  for (std::size_t i = 0; i < in_flight; ++i) {
    auto w = i % impl_->workers.size();
    asio::post(impl_->workers[w]->ioc, [this, w] { impl_->connect_next(w); });
  }
  impl_->wait_subscribed(bound_s, "connecting");
}

void ws_clients::follow(const topic_of_client& topic, double bound_s) {
  impl_->shared.subscribed = 0;
  impl_->on_each_worker([&](worker& w) {
    for (auto& c : w.clients)
      c->follow(topic(c->index()));
  });
  impl_->wait_subscribed(bound_s, "following new topics");
}

ws_window ws_clients::measure(double seconds) {
  for (auto& w : impl_->workers) {
    std::lock_guard lock{w->seen.mutex};
    w->seen.latencies_ms.clear();
  }
  auto started = wall_seconds();
  impl_->shared.recording = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the window itself
  impl_->shared.recording = false;
  ws_window r;
  r.seconds = wall_seconds() - started;
  std::vector<double> all;
  for (auto& w : impl_->workers) {
    std::lock_guard lock{w->seen.mutex};
    all.insert(all.end(), w->seen.latencies_ms.begin(), w->seen.latencies_ms.end());
    r.errors += w->seen.errors;
    for (const auto& p : w->seen.problems)
      keep_problem(r.problems, p);
  }
  std::sort(all.begin(), all.end());
  r.deliveries = all.size();
  r.deliveries_per_s = static_cast<double>(all.size()) / r.seconds;
  r.p50_ms = sorted_percentile(all, 0.50);
  r.p99_ms = sorted_percentile(all, 0.99);
  r.max_ms = all.empty() ? 0 : all.back();
  return r;
}

}  // namespace jobmesh::bench
