#include "test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

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
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty())
    req.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
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

struct ws_client::connection {
  asio::io_context ioc;
  beast::websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
};

ws_client::ws_client(std::uint16_t port, const std::string& target) : connection_(std::make_unique<connection>()) {
  beast::get_lowest_layer(connection_->ws).connect(loopback(port));
  connection_->ws.handshake("127.0.0.1", target);
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
