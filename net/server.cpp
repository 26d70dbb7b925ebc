#include "net/server.hpp"

#include "net/detail/http_session.hpp"
#include "net/exposure.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace jobmesh::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// One I/O thread's io_context and the lane of hub frames for its WebSocket sessions.
struct io_lane {
  std::unique_ptr<asio::io_context> ioc;
  std::shared_ptr<detail::frame_lane> frames;
};

// Accepts connections while fewer than server.max_connections are open, handing them to the
// I/O threads in turn. A connection lives on one thread's io_context, run by that thread
// alone: its handlers never run concurrently, without a strand.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(const std::vector<io_lane>& lanes, std::shared_ptr<const api_context> ctx,
           std::shared_ptr<detail::io_gate> gate)
      : lanes_(lanes), acceptor_(*lanes.front().ioc), ctx_(std::move(ctx)), gate_(std::move(gate)),
        routes_(std::make_shared<const router>(make_api_router(ctx_))),
        checks_(std::make_shared<const exposure>(ctx_->settings)),
        counts_(std::make_shared<detail::connection_counts>()), backoff_timer_(acceptor_.get_executor()) {}

  std::uint16_t bind() {
    const auto& s = ctx_->settings.server;
    boost::system::error_code ec;
    auto address = asio::ip::make_address(s.host, ec);
    if (ec)
      throw std::runtime_error(fmt::format("server.host '{}' is not an IP address", s.host));
    tcp::endpoint endpoint{address, static_cast<std::uint16_t>(s.port)};
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint, ec);
    if (ec)
      throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", s.host, s.port, ec.message()));
    acceptor_.listen(asio::socket_base::max_listen_connections);
    return acceptor_.local_endpoint().port();
  }

  void run() { do_accept(); }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->backoff_timer_.cancel();
    });
  }

private:
  void do_accept() {
    next_lane_ = (next_lane_ + 1) % lanes_.size();
    acceptor_.async_accept(*lanes_[next_lane_].ioc, [self = shared_from_this()](boost::system::error_code ec,
                                                                                tcp::socket socket) {
      self->on_accept(ec, std::move(socket));
    });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open())
      return;  // stopping
    if (ec) {
      // Out of descriptors or memory: accepting again at once would spin on the same error.
      // Wait, longer each time it repeats, and let open connections finish meanwhile.
      backoff_ = std::min(k_max_backoff, backoff_ == std::chrono::milliseconds{0} ? k_first_backoff : backoff_ * 2);
      warn_now_and_then(fmt::format("http: accept failed ({}); accepting again in {} ms", ec.message(), backoff_.count()));
      backoff_timer_.expires_after(backoff_);
      backoff_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
        if (!wait_ec)
          self->do_accept();
      });
      return;
    }
    backoff_ = std::chrono::milliseconds{0};
    const auto& s = ctx_->settings.server;
    boost::system::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec).address();
    if (peer_ec) {
      // Gone before we looked: nothing to serve.
    } else if (!counts_->try_open(peer, s.max_connections, s.max_connections_per_ip)) {
      warn_now_and_then(fmt::format("http: refusing a connection from {}: {} open (server.max_connections {}, "
                                    "server.max_connections_per_ip {})",
                                    peer.to_string(), counts_->total(), s.max_connections, s.max_connections_per_ip));
    } else {
      auto slot = std::make_shared<detail::connection_slot>(counts_, peer);
      std::make_shared<detail::http_session>(std::move(socket), ctx_, routes_, std::move(slot), gate_,
                                             lanes_[next_lane_].frames, checks_)
          ->run();
    }
    do_accept();
  }

  // Refusals come in floods: one line per second says enough.
  void warn_now_and_then(const std::string& text) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_warning_ < std::chrono::seconds{1})
      return;
    last_warning_ = now;
    spdlog::warn("{}", text);
  }

  static constexpr std::chrono::milliseconds k_first_backoff{10};
  static constexpr std::chrono::milliseconds k_max_backoff{1'000};

  const std::vector<io_lane>& lanes_;  ///< the server's, which outlive the listener's work
  std::size_t next_lane_ = 0;          ///< the lane of the connection being accepted
  tcp::acceptor acceptor_;
  std::shared_ptr<const api_context> ctx_;
  std::shared_ptr<detail::io_gate> gate_;
  std::shared_ptr<const router> routes_;
  std::shared_ptr<const exposure> checks_;
  std::shared_ptr<detail::connection_counts> counts_;
  asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point last_warning_{};
};

}  // namespace

struct server::impl {
  std::shared_ptr<const api_context> ctx;
  std::shared_ptr<detail::io_gate> gate = std::make_shared<detail::io_gate>();
  std::vector<io_lane> lanes;  ///< one per I/O thread
  std::shared_ptr<listener> accept;
  std::vector<std::thread> threads;

  // Sessions go first (with their io_contexts), while the lanes their sinks point to remain.
  ~impl() {
    accept.reset();
    for (auto& lane : lanes)
      lane.ioc.reset();
  }
};

server::server(std::shared_ptr<const api_context> ctx) : impl_(std::make_unique<impl>()) {
  impl_->ctx = std::move(ctx);
}

server::~server() {
  stop();
}

std::uint16_t server::start() {
  auto& im = *impl_;
  auto n = im.ctx->settings.server.io_threads;
  auto threads = n > 0 ? static_cast<unsigned>(n) : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) {
    auto ioc = std::make_unique<asio::io_context>(1);  // run by one thread
    auto frames = std::make_shared<detail::frame_lane>(im.gate, ioc->get_executor());
    im.lanes.push_back({std::move(ioc), std::move(frames)});
  }
  im.accept = std::make_shared<listener>(im.lanes, im.ctx, im.gate);
  auto port = im.accept->bind();
  im.accept->run();
  for (auto& lane : im.lanes)
    im.threads.emplace_back([ioc = lane.ioc.get()] {
      // A context may have no connection for a while: the guard keeps its thread until stopped.
      auto work = asio::make_work_guard(*ioc);
      ioc->run();
    });
  return port;
}

void server::stop() {
  if (impl_->threads.empty())
    return;
  if (impl_->accept)
    impl_->accept->stop();
  // Closed before the threads stop: from here on no actor posts into the io_context, which may
  // then be destroyed whenever the server is (io_gate.hpp).
  impl_->gate->close();
  for (auto& lane : impl_->lanes)
    lane.ioc->stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

}  // namespace jobmesh::net
