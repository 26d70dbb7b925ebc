#include "net/detail/http_session.hpp"

#include "net/detail/ws_session.hpp"
#include "net/error_reply.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace jobmesh::net::detail {

namespace beast = boost::beast;
namespace asio = boost::asio;

namespace {

constexpr std::string_view k_ws_path = "/api/v1/ws";

// The engine's own request timeout answers first; this bound only catches an answer that was
// lost (the engine stopping under a request), so the client is never left hanging.
constexpr std::chrono::milliseconds k_answer_grace{2'000};

bool is_ws_target(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return path == k_ws_path;
}

}  // namespace

void write_reply(const response& res, bool with_body, std::string& out) {
  out.clear();
  auto reason = res.reason();
  if (reason.empty())
    reason = http::obsolete_reason(res.result());
  fmt::format_to(std::back_inserter(out), "HTTP/{}.{} {} {}\r\n", res.version() / 10, res.version() % 10,
                 res.result_int(), std::string_view{reason.data(), reason.size()});
  for (const auto& field : res) {
    auto name = field.name_string();
    auto value = field.value();
    out.append(name.data(), name.size()).append(": ").append(value.data(), value.size()).append("\r\n");
  }
  out.append("\r\n");
  if (with_body)
    out.append(res.body());
}

http_session::http_session(asio::ip::tcp::socket socket, std::shared_ptr<const api_context> ctx,
                           std::shared_ptr<const router> routes, std::shared_ptr<connection_slot> slot,
                           std::shared_ptr<io_gate> gate, std::shared_ptr<frame_lane> lane,
                           std::shared_ptr<const exposure> checks)
    : stream_(std::move(socket)), answer_timer_(stream_.get_executor()), ctx_(std::move(ctx)),
      routes_(std::move(routes)), slot_(std::move(slot)), gate_(std::move(gate)), lane_(std::move(lane)),
      outlet_(std::make_shared<outlet>(gate_, stream_.get_executor())), checks_(std::move(checks)) {}

http_session::~http_session() {
  outlet_->close();
}

void http_session::run() {
  asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
  const auto& s = ctx_->settings.server;
  parser_.emplace();
  head_ = false;
  parser_->body_limit(static_cast<std::uint64_t>(s.body_limit_bytes));
  parser_->header_limit(static_cast<std::uint32_t>(s.header_limit_bytes));
  stream_.expires_after(std::chrono::milliseconds(s.idle_timeout_ms));
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read_header(ec); });
}

// RFC 9110 10.1.1: a client that sends `Expect: 100-continue` waits for the interim reply
// before it sends the body (curl does for bodies over 1 MB, and without the reply waited a
// second before sending anyway: a 10,000-line NDJSON ingest took ~1.2 s instead of ~0.2 s). A
// header the limits refuse never gets here: its error reply goes instead.
static bool expects_continue(const request& req) {
  auto expect = req[http::field::expect];
  return req.version() >= 11 && beast::iequals(expect, "100-continue");
}

void http_session::on_read_header(beast::error_code ec) {
  if (ec)
    return reply_to_read_error(ec);
  head_ = parser_->get().method() == http::verb::head;
  stream_.expires_after(std::chrono::milliseconds(ctx_->settings.server.read_timeout_ms));
  if (!expects_continue(parser_->get()))
    return read_body();
  static constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
  asio::async_write(stream_, asio::buffer(k_continue.data(), k_continue.size()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec)
                        return self->do_close();
                      self->read_body();
                    });
}

void http_session::read_body() {
  // Beast reads at most the buffer's free capacity (at least 512 bytes) at a time, and the
  // parser empties the buffer into the body after each read: a 5 MB NDJSON body came in ~2 KB
  // reads, each a recvmsg, an epoll_ctl and a timer reset (a fifth of the cores during ingest).
  // A large body is read in blocks of k_body_read_block; the block is freed after the request.
  if (auto length = parser_->content_length(); length && *length > k_body_read_block)
    buffer_.reserve(k_body_read_block);
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
  if (buffer_.capacity() >= k_body_read_block && buffer_.size() == 0)
    buffer_.shrink_to_fit();
  handle(parser_->release());
}

void http_session::handle(request req) {
  if (beast::websocket::is_upgrade(req)) {
    if (!is_ws_target(req.target()))
      return do_write(error_response(req, http::status::not_found, "not_found", "WebSockets live at /api/v1/ws"));
    if (auto refused = checks_->check_upgrade(req))
      return do_write(std::move(*refused));
    // A browser cannot set headers on the upgrade: the token may come as ?access_token=.
    std::map<std::string, std::string> query;
    if (auto url = boost::urls::parse_origin_form(req.target()))
      for (const auto& p : url->params())
        query[std::string{p.key}] = std::string{p.value};
    auto who = authenticate(ctx_->settings.auth, req, query, ctx_->tokens.get());
    if (auto* failure = std::get_if<auth_failure>(&who)) {
      auto res = error_response(req, http::status::unauthorized, "unauthorized", failure->message);
      res.set(http::field::www_authenticate, "Bearer");
      return do_write(std::move(res));
    }
    std::make_shared<ws_session>(stream_.release_socket(), ctx_, slot_, gate_, lane_,
                                 std::get<identity>(std::move(who)))
        ->run(std::move(req));
    return;
  }
  await_answer(req.version(), req.keep_alive());
  auto shared = std::make_shared<const request>(std::move(req));
  // The answer may come from any thread, after this session is gone: only the outlet and a
  // weak pointer travel.
  std::weak_ptr<http_session> weak = shared_from_this();
  routes_->dispatch(shared, [out = outlet_, weak](response res) {
    post_to_session(*out, weak, [res = std::move(res)](http_session& s) mutable { s.on_answer(std::move(res)); });
  });
}

// The timer's handler owns the session while the engine works on its request.
void http_session::await_answer(unsigned version, bool keep_alive) {
  awaiting_answer_ = true;
  answer_timer_.expires_after(ctx_->request_timeout() + k_answer_grace);
  answer_timer_.async_wait([self = shared_from_this(), version, keep_alive](beast::error_code ec) {
    if (ec || !self->awaiting_answer_)
      return;
    auto res = unavailable(version, "unavailable", "the engine did not answer; try again");
    res.keep_alive(keep_alive);
    self->on_answer(std::move(res));
  });
}

void http_session::on_answer(response res) {
  if (!awaiting_answer_)
    return;  // the timer answered first
  awaiting_answer_ = false;
  answer_timer_.cancel();
  do_write(std::move(res));
}

// Every reply leaves here, the router's and the session's own (a timeout, a size limit): a HEAD's
// goes with the header its GET would have, Content-Length included, and no body (RFC 9110, 9.3.2).
// The reply goes as one buffer, its start line and fields written as Beast's serializer would
// write them: every reply has its Content-Length from prepare_payload (net/http.cpp) and none is
// chunked. Beast's serializer hands the socket a sequence of a dozen buffers per reply and walks
// it through several views per write; at 25k submits a second that walk took about a fifth of
// the I/O threads' own (user-space) time, more than the one buffer's copy costs.
void http_session::do_write(response res) {
  bool keep_alive = res.keep_alive();
  write_reply(res, !head_, out_);
  stream_.expires_after(std::chrono::milliseconds(ctx_->settings.server.read_timeout_ms));
  asio::async_write(stream_, asio::buffer(out_), [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
    self->on_write(keep_alive, ec);
  });
}

void http_session::on_write(bool keep_alive, beast::error_code ec) {
  if (out_.capacity() > k_reply_buffer_kept)
    std::string{}.swap(out_);
  else
    out_.clear();
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
