#include "test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <functional>
#include <stdexcept>

namespace jobmesh::testing {

namespace beast = boost::beast;
namespace asio = boost::asio;

namespace {

// Runs `ioc` until `done` or the timeout; throws on timeout.
void run_until(asio::io_context& ioc, const bool& done, const char* what) {
  ioc.restart();
  ioc.run_for(k_client_timeout);
  if (!done)
    throw std::runtime_error(std::string{"timed out: "} + what);
}

asio::ip::tcp::endpoint loopback(std::uint16_t port) {
  return {asio::ip::make_address("127.0.0.1"), port};
}

}  // namespace

boost::json::value http_reply::json() const { return boost::json::parse(body); }

http_reply http_call(std::uint16_t port, http::verb method, const std::string& target, const std::string& body,
                     const std::string& content_type, const std::string& bearer) {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.connect(loopback(port));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  if (!bearer.empty())
    req.set(http::field::authorization, "Bearer " + bearer);
  // A state-changing request needs its JSON Content-Type even without a body (API.md "Auth").
  bool changes_state = method == http::verb::post || method == http::verb::put || method == http::verb::patch ||
                       method == http::verb::delete_;
  if (!content_type.empty() && (!body.empty() || changes_state))
    req.set(http::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  bool done = false;
  beast::error_code error;
  http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
    if (ec) {
      error = ec;
      done = true;
      return;
    }
    http::async_read(stream, buffer, res, [&](beast::error_code ec2, std::size_t) {
      error = ec2;
      done = true;
    });
  });
  run_until(ioc, done, "http call");
  if (error)
    throw std::runtime_error("http call: " + error.message());
  return {res.result_int(), res.body(), res.base()};
}

struct idle_connection::socket {
  asio::io_context ioc;
  asio::ip::tcp::socket s{ioc};
  std::string unread;  ///< received after what read_until returned
};

idle_connection::idle_connection(std::uint16_t port) : socket_(std::make_unique<socket>()) {
  socket_->s.connect(loopback(port));
}

idle_connection::~idle_connection() = default;

void idle_connection::send(const std::string& bytes) { asio::write(socket_->s, asio::buffer(bytes)); }

bool idle_connection::closed_by_server_within(std::chrono::milliseconds timeout) {
  auto& c = *socket_;
  bool closed = false;
  std::array<char, 4096> scratch{};
  std::function<void(boost::system::error_code, std::size_t)> on_read = [&](boost::system::error_code ec, std::size_t) {
    if (ec) {
      closed = true;  // end of stream or reset: either way the server let go
      return;
    }
    c.s.async_read_some(asio::buffer(scratch), on_read);
  };
  c.s.async_read_some(asio::buffer(scratch), on_read);
  c.ioc.restart();
  c.ioc.run_for(timeout);
  return closed;
}

std::string idle_connection::read_until(const std::string& end, std::chrono::milliseconds timeout) {
  auto& c = *socket_;
  std::array<char, 4096> scratch{};
  std::function<void(boost::system::error_code, std::size_t)> on_read = [&](boost::system::error_code ec, std::size_t n) {
    c.unread.append(scratch.data(), n);
    if (!ec && c.unread.find(end) == std::string::npos)
      c.s.async_read_some(asio::buffer(scratch), on_read);
  };
  if (c.unread.find(end) == std::string::npos) {
    c.s.async_read_some(asio::buffer(scratch), on_read);
    c.ioc.restart();
    c.ioc.run_for(timeout);
  }
  auto at = c.unread.find(end);
  auto cut = at == std::string::npos ? c.unread.size() : at + end.size();
  auto out = c.unread.substr(0, cut);
  c.unread.erase(0, cut);
  return out;
}

struct ws_client::connection {
  asio::io_context ioc;
  beast::websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
};

ws_client::ws_client(std::uint16_t port, const std::string& target, const std::string& origin)
    : connection_(std::make_unique<connection>()) {
  beast::get_lowest_layer(connection_->ws).connect(loopback(port));
  if (!origin.empty())
    connection_->ws.set_option(beast::websocket::stream_base::decorator(
        [origin](beast::websocket::request_type& req) { req.set(http::field::origin, origin); }));
  connection_->ws.handshake("127.0.0.1:" + std::to_string(port), target);  // Host with its port, as browsers send
}

ws_client::~ws_client() = default;

void ws_client::send(const std::string& text) { connection_->ws.write(asio::buffer(text)); }

std::optional<boost::json::object> ws_client::next() {
  auto& c = *connection_;
  bool done = false;
  beast::error_code error;
  c.buffer.clear();
  c.ws.async_read(c.buffer, [&](beast::error_code ec, std::size_t) {
    error = ec;
    done = true;
  });
  c.ioc.restart();
  c.ioc.run_for(k_client_timeout);
  if (!done || error)
    return std::nullopt;
  return boost::json::parse(beast::buffers_to_string(c.buffer.data())).as_object();
}

}  // namespace jobmesh::testing
