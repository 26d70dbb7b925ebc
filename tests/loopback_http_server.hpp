#pragma once
// An HTTP server on 127.0.0.1 for tests of clients (the import job type, the fetch client):
// its own thread, one request at a time, each answered by a function of the request (or left
// unanswered, its connection held open, while the server goes on serving others).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace jobmesh::testing {

namespace loopback {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

/// An HTTP server on 127.0.0.1 with its own thread, serving one connection at a time with
/// `answer`; an empty answer means saying nothing, the connection left open. Given a TLS
/// context, it only shakes hands with it (clients are expected to refuse it) and hangs up.
class server {

public:
  using answer_fn = std::function<std::optional<response>(const request&)>;

  explicit server(answer_fn answer, ssl::context* tls = nullptr)
      : answer_(std::move(answer)), tls_(tls), acceptor_(ioc_, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}) {
    do_accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  // Closing the acceptor on its own thread ends the accept loop, so run() returns.
  ~server() {
    asio::post(ioc_, [this] { acceptor_.close(); });
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view target) const {
    return (tls_ ? "https" : "http") + std::string{"://127.0.0.1:"} + std::to_string(port_) + std::string{target};
  }

  /// The requests read so far, in order.
  std::vector<request> requests() const {
    std::lock_guard lock{mutex_};
    return requests_;
  }

private:
  void do_accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec)
        return;
      if (tls_)
        shake_hands(std::move(socket));
      else
        serve(std::move(socket));
      do_accept();
    });
  }

  void shake_hands(tcp::socket socket) {
    ssl::stream<tcp::socket> stream{std::move(socket), *tls_};
    beast::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
  }

  void serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    request req;
    beast::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec)
      return;
    {
      std::lock_guard lock{mutex_};
      requests_.push_back(req);
    }
    auto res = answer_(req);
    if (!res) {
      // Silence: the connection stays open, unanswered, while the server serves others.
      silent_.push_back(std::move(socket));
      return;
    }
    res->keep_alive(false);
    res->prepare_payload();
    http::write(socket, *res, ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }

  answer_fn answer_;
  ssl::context* tls_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = acceptor_.local_endpoint().port();
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<request> requests_;
  std::vector<tcp::socket> silent_;  ///< connections never answered; closed with the server
};

}  // namespace loopback

using loopback_server = loopback::server;

}  // namespace jobmesh::testing
