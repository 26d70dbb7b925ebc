// The load generator: one Beast client session per connection in the shape of Beast's
// examples (do_/on_ pairs, one fail()), io_contexts on their own threads, tallies per thread
// merged at the end so that recording a latency takes no lock. Requests are written as bytes
// built here and replies read by Beast's parser.
#include "bench/http_load.hpp"

#include "bench/harness.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <thread>

namespace jobmesh::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using load_clock = std::chrono::steady_clock;

constexpr std::size_t k_reply_limit = 64 << 20;  // replies larger than this are an error
// Room to read a reply into: Beast reads at most max(512, free room) bytes at a time, and its
// flat buffer starts empty, so a 643-byte submit reply took two recv calls (strace of the
// client: 512, then 131) and a 4 KiB match reply more; with this much room one read takes a
// reply that arrived whole. 64 connections x 64 KiB.
constexpr std::size_t k_read_room = 64 << 10;

load_clock::duration seconds(double s) {
  return std::chrono::duration_cast<load_clock::duration>(std::chrono::duration<double>(s));
}

// What the connections of one thread saw; touched by that thread only.
struct tally {
  std::vector<double> latencies_ms;
  std::uint64_t non_2xx = 0, rejected = 0, errors = 0, reconnects = 0;
  std::vector<std::string> problems;

  void note(std::string problem) { keep_problem(problems, std::move(problem)); }
};

// What every connection reads: the options, the callbacks, the window, the next sequence.
struct shared_run {
  const http_load_options& options;
  const request_source& source;
  const reply_check& check;
  tcp::endpoint endpoint;
  load_clock::time_point opens, closes;
  load_clock::duration interval{};  ///< open loop: between one connection's requests
  std::atomic<std::uint64_t> sequence{0};
};

class load_connection : public std::enable_shared_from_this<load_connection> {
public:
  /// `first_due`: when an open-loop connection's first request is due (unused when closed).
  load_connection(asio::io_context& ioc, shared_run& run, tally& t, load_clock::time_point first_due)
      : stream_(ioc), pause_(ioc), run_(run), tally_(t), due_(first_due) {
    buffer_.reserve(k_read_room);
  }

  void start() { do_connect(); }

private:
  void do_connect() {
    stream_.expires_after(run_.options.timeout);
    stream_.async_connect(run_.endpoint, beast::bind_front_handler(&load_connection::on_connect, shared_from_this()));
  }

  void on_connect(beast::error_code ec) {
    if (ec)
      return fail(ec, "connect", false);  // a server that refuses now will refuse again
    do_write();
  }

  // Open loop: waits until the next request is due, unless it is late already.
  void do_write() {
    auto now = load_clock::now();
    if (now >= run_.closes)
      return close();
    if (run_.options.rate_per_s > 0 && now < due_) {
      pause_.expires_at(due_);
      pause_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec)
          self->send_next();
      });
      return;
    }
    send_next();
  }

  // The request as bytes, in one buffer: one send with one iovec (Beast's serializer gave the
  // kernel a dozen: method, target, each field), and no fields container built per request.
  void send_next() {
    auto next = run_.source(run_.sequence.fetch_add(1, std::memory_order_relaxed));
    target_ = std::move(next.target);
    wire_.clear();
    auto out = std::back_inserter(wire_);
    fmt::format_to(out, "{} {} HTTP/1.1\r\nHost: {}\r\n", std::string_view{http::to_string(next.method)}, target_,
                   run_.options.host);
    if (!next.authorization.empty())
      fmt::format_to(out, "Authorization: {}\r\n", next.authorization);
    if (!next.body.empty())
      fmt::format_to(out, "Content-Type: {}\r\nContent-Length: {}\r\n", next.content_type, next.body.size());
    else if (next.method != http::verb::get && next.method != http::verb::head)
      wire_ += "Content-Length: 0\r\n";
    wire_ += "\r\n";
    wire_ += next.body;
    sent_ = load_clock::now();
    if (run_.options.rate_per_s > 0) {
      sent_ = due_;  // latency counts from when it was due
      due_ += run_.interval;
    }
    stream_.expires_after(run_.options.timeout);
    asio::async_write(stream_, asio::buffer(wire_),
                      beast::bind_front_handler(&load_connection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "write", true);
    parser_.emplace();
    parser_->body_limit(k_reply_limit);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&load_connection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "read", true);
    record(load_clock::now());
    if (parser_->get().keep_alive())
      return do_write();
    ++tally_.reconnects;
    reopen();
  }

  void record(load_clock::time_point answered) {
    if (answered < run_.opens || answered >= run_.closes)
      return;
    tally_.latencies_ms.push_back(std::chrono::duration<double, std::milli>(answered - sent_).count());
    const auto& reply = parser_->get();
    auto status = reply.result_int();
    std::string problem;
    if (status < 200 || status > 299) {
      ++tally_.non_2xx;
      tally_.note(fmt::format("status {} for {}: {}", status, target_,
                              reply.body().substr(0, 200)));
    } else if (run_.check && !run_.check(status, reply.body(), problem)) {
      ++tally_.rejected;
      tally_.note(fmt::format("refused reply for {}: {}", target_, problem));
    }
  }

  // Before the window closes a broken connection is opened again, so one error costs one
  // request and not the connection's share of the load.
  void fail(beast::error_code ec, const char* what, bool reconnect) {
    ++tally_.errors;
    tally_.note(fmt::format("{}: {}", what, ec.message()));
    if (!reconnect || load_clock::now() >= run_.closes)
      return close();
    ++tally_.reconnects;
    reopen();
  }

  void reopen() {
    close();
    buffer_.clear();
    do_connect();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  asio::steady_timer pause_;
  beast::flat_buffer buffer_;
  std::string target_;  ///< of the request in flight
  std::string wire_;    ///< its bytes (the capacity kept from one request to the next)
  std::optional<http::response_parser<http::string_body>> parser_;
  load_clock::time_point sent_;  ///< when the request went out, or was due (open loop)
  shared_run& run_;
  tally& tally_;
  load_clock::time_point due_;
};

struct load_thread {
  asio::io_context ioc{1};
  tally seen;
};

http_load_result merge(std::vector<std::unique_ptr<load_thread>>& threads, double duration_s) {
  http_load_result r;
  std::vector<double> all;
  for (auto& t : threads) {
    auto& s = t->seen;
    all.insert(all.end(), s.latencies_ms.begin(), s.latencies_ms.end());
    r.non_2xx += s.non_2xx;
    r.rejected += s.rejected;
    r.errors += s.errors;
    r.reconnects += s.reconnects;
    for (auto& p : s.problems)
      keep_problem(r.problems, std::move(p));
  }
  std::sort(all.begin(), all.end());
  r.seconds = duration_s;
  r.requests = all.size();
  r.requests_per_s = static_cast<double>(all.size()) / duration_s;
  double sum = 0;
  for (double v : all)
    sum += v;
  r.mean_ms = all.empty() ? 0 : sum / static_cast<double>(all.size());
  r.p50_ms = sorted_percentile(all, 0.50);
  r.p90_ms = sorted_percentile(all, 0.90);
  r.p99_ms = sorted_percentile(all, 0.99);
  r.max_ms = all.empty() ? 0 : all.back();
  return r;
}

}  // namespace

http_load_result run_http_load(const http_load_options& o, const request_source& source, const reply_check& check) {
  if (o.connections == 0 || o.duration_s <= 0 || o.warm_up_s < 0 || o.rate_per_s < 0)
    throw std::invalid_argument("http load: needs at least one connection, a positive duration and a rate >= 0");
  beast::error_code bad_address;
  auto address = asio::ip::make_address(o.host, bad_address);
  if (bad_address)
    throw std::invalid_argument("http load: not a numeric address: " + o.host);
  auto count = static_cast<unsigned>(std::clamp<std::size_t>(std::max(1u, o.threads), 1, o.connections));
  std::vector<std::unique_ptr<load_thread>> threads;
  for (unsigned i = 0; i < count; ++i)
    threads.push_back(std::make_unique<load_thread>());
  shared_run run{o, source, check, {address, o.port}, {}, {}, {}, {}};
  auto started = load_clock::now();
  run.opens = started + seconds(o.warm_up_s);
  run.closes = run.opens + seconds(o.duration_s);
  if (o.rate_per_s > 0)
    run.interval = seconds(static_cast<double>(o.connections) / o.rate_per_s);
  // Open loop: connection c starts c / rate after the first, so requests are evenly spread.
  auto stagger = o.rate_per_s > 0 ? seconds(1.0 / o.rate_per_s) : load_clock::duration{};
  for (std::size_t c = 0; c < o.connections; ++c) {
    auto& t = *threads[c % count];
    auto first_due = started + stagger * static_cast<load_clock::rep>(c);
    std::make_shared<load_connection>(t.ioc, run, t.seen, first_due)->start();
  }
  // The window's ends on the first thread: its CPU clock and the caller's hook.
  double cpu_opened = 0, cpu_closed = 0;
  asio::steady_timer opening{threads.front()->ioc, run.opens}, closing{threads.front()->ioc, run.closes};
  opening.async_wait([&](beast::error_code) {
    cpu_opened = process_cpu_seconds();
    if (o.on_window)
      o.on_window(true);
  });
  closing.async_wait([&](beast::error_code) {
    cpu_closed = process_cpu_seconds();
    if (o.on_window)
      o.on_window(false);
  });
  // Every operation is bounded by `timeout`, so the contexts run dry on their own; the bound
  // here only guards against a bug.
  auto bound = seconds(o.warm_up_s + o.duration_s) + 3 * o.timeout;
  std::vector<std::thread> running;
  for (auto& t : threads)
    running.emplace_back([&ioc = t->ioc, bound] { ioc.run_for(bound); });
  for (auto& t : running)
    t.join();
  auto result = merge(threads, o.duration_s);
  result.client_cpu_s = cpu_closed - cpu_opened;
  return result;
}

constexpr std::size_t k_read_block = 64 * 1024;

struct http_connection::impl {
  asio::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::string host;
  tcp::endpoint endpoint;
  std::chrono::milliseconds timeout;
  bool open = false;

  // Runs one asynchronous step to its end; the stream's expiry bounds it.
  template <class Start>
  void step(const char* what, Start start) {
    beast::error_code error;
    bool done = false;
    stream.expires_after(timeout);
    start([&](beast::error_code ec, auto&&...) {
      error = ec;
      done = true;
    });
    ioc.restart();
    ioc.run();
    if (done && !error)
      return;
    close();
    throw std::runtime_error(fmt::format("http {} {}:{}: {}", what, host, endpoint.port(),
                                         done ? error.message() : std::string{"did not finish"}));
  }

  void close() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    buffer.clear();
    open = false;
  }
};

http_connection::http_connection(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  beast::error_code bad_address;
  auto address = asio::ip::make_address(host, bad_address);
  if (bad_address)
    throw std::invalid_argument("http connection: not a numeric address: " + host);
  impl_->host = std::move(host);
  impl_->endpoint = {address, port};
  impl_->timeout = timeout;
}

http_connection::~http_connection() = default;

http_reply http_connection::send(const http_request& r) {
  auto& im = *impl_;
  if (!im.open) {
    im.step("connect", [&](auto done) { im.stream.async_connect(im.endpoint, done); });
    im.open = true;
    // Beast reads at most the buffer's free capacity at a time: without room, a 5 MB reply
    // (a bulk submit's) came in ~2 KB reads and the client, not the server, set the pace.
    im.buffer.reserve(k_read_block);
  }
  http::request<http::string_body> req{r.method, r.target, 11};
  req.set(http::field::host, im.host);
  req.keep_alive(true);
  if (!r.authorization.empty())
    req.set(http::field::authorization, r.authorization);
  if (!r.body.empty()) {
    req.set(http::field::content_type, r.content_type);
    req.body() = r.body;
  }
  req.prepare_payload();
  im.step("write", [&](auto done) { http::async_write(im.stream, req, done); });
  http::response_parser<http::string_body> parser;
  parser.body_limit(k_reply_limit);
  im.step("read", [&](auto done) { http::async_read(im.stream, im.buffer, parser, done); });
  auto& res = parser.get();
  http_reply reply{res.result_int(), std::move(res.body())};
  if (!res.keep_alive())
    im.close();
  return reply;
}

}  // namespace jobmesh::bench
