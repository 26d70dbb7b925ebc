#include "net/detail/http_session.hpp"

#include "net/detail/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

namespace jobmesh::net::detail {

namespace beast = boost::beast;
namespace asio = boost::asio;

namespace {

constexpr std::string_view k_ws_path = "/api/v1/ws";

bool is_ws_target(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return path == k_ws_path;
}

}  // namespace

http_session::http_session(asio::ip::tcp::socket socket, std::shared_ptr<const api_context> ctx,
                           std::shared_ptr<const router> routes, std::shared_ptr<connection_slot> slot)
    : stream_(std::move(socket)), ctx_(std::move(ctx)), routes_(std::move(routes)), slot_(std::move(slot)) {}

void http_session::run() {
  asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
  const auto& s = ctx_->settings.server;
  parser_.emplace();
  parser_->body_limit(static_cast<std::uint64_t>(s.body_limit_bytes));
  parser_->header_limit(static_cast<std::uint32_t>(s.header_limit_bytes));
  stream_.expires_after(std::chrono::milliseconds(s.idle_timeout_ms));
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read_header(ec); });
}

void http_session::on_read_header(beast::error_code ec) {
  if (ec)
    return reply_to_read_error(ec);
  stream_.expires_after(std::chrono::milliseconds(ctx_->settings.server.read_timeout_ms));
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

// Size limits and malformed requests get an error reply, then the connection closes: after a
// framing error the rest of the stream cannot be trusted.
void http_session::reply_to_read_error(beast::error_code ec) {
  auto version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11u;
  if (ec == http::error::body_limit)
    return do_write(error_response(version, http::status::payload_too_large, "payload_too_large",
                                   "the body is larger than the limit of " +
                                       std::to_string(ctx_->settings.server.body_limit_bytes) + " bytes"));
  if (ec == http::error::header_limit)
    return do_write(error_response(version, http::status::request_header_fields_too_large, "header_too_large",
                                   "the request header is larger than the limit"));
  if (ec.category() == http::make_error_code(http::error::bad_target).category() && ec != http::error::end_of_stream &&
      ec != http::error::partial_message)
    return do_write(error_response(version, http::status::bad_request, "bad_request", "malformed HTTP request: " + ec.message()));
  if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::operation_aborted)
    spdlog::debug("http: read: {}", ec.message());
  do_close();
}

void http_session::on_read(beast::error_code ec) {
  if (ec)
    return reply_to_read_error(ec);
  handle(parser_->release());
}

void http_session::handle(request req) {
  if (beast::websocket::is_upgrade(req)) {
    if (!is_ws_target(req.target()))
      return do_write(error_response(req, http::status::not_found, "not_found", "WebSockets live at /api/v1/ws"));
    std::make_shared<ws_session>(stream_.release_socket(), ctx_, slot_)->run(std::move(req));
    return;
  }
  auto shared = std::make_shared<const request>(std::move(req));
  routes_->dispatch(shared, [self = shared_from_this()](response res) {
    // Answers come from actor threads: hop onto this session's strand before touching it.
    asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->do_write(std::move(res)); });
  });
}

void http_session::do_write(response res) {
  pending_ = std::make_shared<response>(std::move(res));
  bool keep_alive = pending_->keep_alive();
  stream_.expires_after(std::chrono::milliseconds(ctx_->settings.server.read_timeout_ms));
  http::async_write(stream_, *pending_, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
    self->on_write(keep_alive, ec);
  });
}

void http_session::on_write(bool keep_alive, beast::error_code ec) {
  pending_.reset();
  if (ec) {
    if (ec != asio::error::operation_aborted && ec != beast::error::timeout)
      spdlog::debug("http: write: {}", ec.message());
    return do_close();
  }
  if (!keep_alive)
    return do_close();
  do_read();
}

void http_session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace jobmesh::net::detail
