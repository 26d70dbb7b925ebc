// The load generator: the connections of each thread on a plain epoll loop, in the way of the
// ws suite's clients (bench/ws_load.cpp). It was a Beast client session per connection (an
// async read and write a request, each with its own timer, on a type-erased executor): from
// 256 connections that client took ~25% of the two cores the server it measures needs
// (bench/HISTORY.md). Here a request is one send of one buffer, a readable socket is read once
// and a whole reply taken from its buffer (status, Content-Length, Connection: what the load
// needs of RFC 9112), and deadlines are checked by one sweep a thread. Tallies are per thread,
// merged at the end, so recording a latency takes no lock. The blocking connection for setup
// steps stays on Beast.
#include "bench/http_load.hpp"

#include "bench/harness.hpp"
#include "bench/socket_io.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <queue>
#include <stdexcept>
#include <thread>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace jobmesh::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using load_clock = std::chrono::steady_clock;

constexpr std::size_t k_reply_limit = 64 << 20;  // replies larger than this are an error
// Room for a read: a reply that arrived whole (a 643-byte submit reply, a 4 KiB match reply)
// takes one recv (Beast's reads, at most the free room of a buffer that starts empty, took
// two: 512 bytes, then the rest). A reply whose head says it is longer gets room for all of it.
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
  socket_address address;
  load_clock::time_point opens, closes;
  load_clock::duration interval{};  ///< open loop: between one connection's requests
  std::atomic<std::uint64_t> sequence{0};
};

// A reply's head as far as the load needs it: its status, its body's length, keep-alive.
struct reply_head {
  unsigned status = 0;
  std::size_t size = 0;         ///< of the head, through its blank line
  std::size_t body_length = 0;
  bool keep_alive = true;
};

// Parses the head at the start of `in` (RFC 9112: status line, fields, a blank line). Returns
// nothing while the head is incomplete; throws std::runtime_error for what this client does
// not read (no Content-Length, a chunked body) or cannot parse.
std::optional<reply_head> parse_head(std::string_view in) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (in.size() > 64 * 1024)
      throw std::runtime_error("no end to a reply's head in 64 KiB");
    return std::nullopt;
  }
  reply_head h;
  h.size = end + 4;
  auto line_end = in.find("\r\n");
  auto status_line = in.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12)
    throw std::runtime_error(fmt::format("not an HTTP/1.x status line: '{}'", status_line.substr(0, 80)));
  bool http11 = status_line[7] == '1';
  auto code = status_line.substr(9, 3);
  if (std::from_chars(code.data(), code.data() + code.size(), h.status).ec != std::errc{})
    throw std::runtime_error(fmt::format("no status code in '{}'", status_line.substr(0, 80)));
  bool has_length = false;
  std::string_view connection;
  for (auto at = line_end + 2; at < end;) {
    auto next = in.find("\r\n", at);
    auto field = in.substr(at, next - at);
    at = next + 2;
    auto colon = field.find(':');
    if (colon == std::string_view::npos)
      continue;
    auto value = field.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    auto name = field.substr(0, colon);
    if (beast::iequals(name, "content-length")) {
      if (std::from_chars(value.data(), value.data() + value.size(), h.body_length).ec != std::errc{})
        throw std::runtime_error(fmt::format("a Content-Length of '{}'", value));
      has_length = true;
    } else if (beast::iequals(name, "transfer-encoding")) {
      throw std::runtime_error("a reply with Transfer-Encoding (this load generator reads Content-Length bodies only)");
    } else if (beast::iequals(name, "connection")) {
      connection = value;
    }
  }
  if (!has_length && !(h.status == 204 || h.status == 304 || h.status < 200))
    throw std::runtime_error(fmt::format("a {} reply without Content-Length", h.status));
  if (h.body_length > k_reply_limit)
    throw std::runtime_error(fmt::format("a reply body of {} bytes, over the limit", h.body_length));
  http::token_list tokens{connection};
  h.keep_alive = http11 ? !tokens.exists("close") : tokens.exists("keep-alive");
  return h;
}

// One keep-alive connection, driven by its thread's loop.
struct connection {
  int fd = -1;
  enum class phase { closed, connecting, sending, reading, waiting } at = phase::closed;
  std::string wire;                    ///< the request's bytes; `written` of them sent
  std::size_t written = 0;
  std::vector<char> in;                ///< the reply so far: in[0, used)
  std::size_t used = 0;
  std::optional<reply_head> head;
  std::string target;                  ///< of the request in flight, for problems
  load_clock::time_point sent, due, deadline;
  bool wants_out = false;
};

// The connections of one thread on one epoll loop: a readable socket is read once (level-
// triggered: what is left makes another event) into its connection's buffer, and a whole
// reply in it is taken from there; a request is one send of one buffer. Deadlines are checked
// by a sweep every k_sweep rather than a timer per operation.
class load_loop {
public:
  load_loop(shared_run& run, std::size_t connections, bool first) : run_(run), first_(first) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0)
      throw std::runtime_error(fmt::format("http load: epoll: {}", std::strerror(errno)));
    conns_.resize(connections);
  }
  ~load_loop() {
    for (auto& c : conns_)
      if (c.fd >= 0)
        ::close(c.fd);
    ::close(epoll_);
  }
  load_loop(const load_loop&) = delete;
  load_loop& operator=(const load_loop&) = delete;

  tally seen;
  double cpu_opened = 0, cpu_closed = 0;

  /// `first_due[i]`: when connection i's first request is due (open loop).
  void run(const std::vector<load_clock::time_point>& first_due, load_clock::time_point bound) {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      conns_[i].due = first_due[i];
      open(i);
    }
    std::array<epoll_event, 256> events{};
    auto next_sweep = load_clock::now() + k_sweep;
    for (;;) {
      auto now = load_clock::now();
      window_ends(now);
      if (now >= bound || (now >= run_.closes && open_count() == 0))
        break;
      auto wake = std::min({next_sweep, bound, next_due(), window_wake()});
      auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
      int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                           static_cast<int>(std::clamp<long long>(wait_ms, 0, 100)));
      if (n < 0 && errno != EINTR)
        throw std::runtime_error(fmt::format("http load: epoll_wait: {}", std::strerror(errno)));
      for (int k = 0; k < n; ++k) {
        auto i = static_cast<std::size_t>(events[k].data.u64);
        auto& c = conns_[i];
        if (c.at == connection::phase::connecting)
          connected(i, events[k].events);
        else if (c.at == connection::phase::sending && (events[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
          flush(i);
        else if (c.at == connection::phase::reading && (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
          readable(i);
        else if (c.at == connection::phase::waiting && (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
          fail(i, "read", "the server wrote or closed the connection between requests", true);
      }
      now = load_clock::now();
      send_due(now);
      if (now >= next_sweep) {
        sweep(now);
        next_sweep = now + k_sweep;
      }
    }
  }

private:
  static constexpr auto k_sweep = std::chrono::milliseconds(50);

  std::size_t open_count() const {
    return static_cast<std::size_t>(
        std::count_if(conns_.begin(), conns_.end(), [](const auto& c) { return c.at != connection::phase::closed; }));
  }

  // The window's ends on the first loop: its CPU clock and the caller's hook.
  void window_ends(load_clock::time_point now) {
    if (!first_)
      return;
    if (!opened_ && now >= run_.opens) {
      opened_ = true;
      cpu_opened = process_cpu_seconds();
      if (run_.options.on_window)
        run_.options.on_window(true);
    }
    if (!closed_ && now >= run_.closes) {
      closed_ = true;
      cpu_closed = process_cpu_seconds();
      if (run_.options.on_window)
        run_.options.on_window(false);
    }
  }

  load_clock::time_point window_wake() const {
    if (!first_)
      return load_clock::time_point::max();
    return !opened_ ? run_.opens : !closed_ ? run_.closes : load_clock::time_point::max();
  }

  load_clock::time_point next_due() const { return waiting_.empty() ? load_clock::time_point::max() : waiting_.top().first; }

  void watch(std::size_t i, int op, std::uint32_t events) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = i;
    ::epoll_ctl(epoll_, op, conns_[i].fd, &e);
  }

  void open(std::size_t i) {
    auto& c = conns_[i];
    c.used = 0;
    c.head.reset();
    c.wants_out = false;
    c.fd = start_connect(run_.address);
    if (c.fd < 0)
      return fail(i, "connect", std::strerror(errno), false);  // a server that refuses now will refuse again
    c.at = connection::phase::connecting;
    c.deadline = load_clock::now() + run_.options.timeout;
    watch(i, EPOLL_CTL_ADD, EPOLLOUT);
  }

  void connected(std::size_t i, std::uint32_t events) {
    auto& c = conns_[i];
    int error = connect_error(c.fd);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP)))
      return fail(i, "connect", std::strerror(error != 0 ? error : ECONNREFUSED), false);
    watch(i, EPOLL_CTL_MOD, EPOLLIN);
    next_request(i);
  }

  // Open loop: waits until the next request is due, unless it is late already.
  void next_request(std::size_t i) {
    auto& c = conns_[i];
    auto now = load_clock::now();
    if (now >= run_.closes)
      return close(i);
    if (run_.options.rate_per_s > 0 && now < c.due) {
      c.at = connection::phase::waiting;
      waiting_.emplace(c.due, i);
      return;
    }
    send_next(i, now);
  }

  void send_due(load_clock::time_point now) {
    while (!waiting_.empty() && waiting_.top().first <= now) {
      auto [due, i] = waiting_.top();
      waiting_.pop();
      // An entry left by a request that went out otherwise (its connection reopened) is stale.
      if (conns_[i].at == connection::phase::waiting && conns_[i].due == due)
        send_next(i, now);
    }
  }

  // The request as bytes, in one buffer: one send with one iovec.
  void send_next(std::size_t i, load_clock::time_point now) {
    auto& c = conns_[i];
    if (now >= run_.closes)
      return close(i);
    auto next = run_.source(run_.sequence.fetch_add(1, std::memory_order_relaxed));
    c.target = std::move(next.target);
    c.wire.clear();
    auto out = std::back_inserter(c.wire);
    fmt::format_to(out, "{} {} HTTP/1.1\r\nHost: {}\r\n", std::string_view{http::to_string(next.method)}, c.target,
                   run_.options.host);
    if (!next.authorization.empty())
      fmt::format_to(out, "Authorization: {}\r\n", next.authorization);
    if (!next.body.empty())
      fmt::format_to(out, "Content-Type: {}\r\nContent-Length: {}\r\n", next.content_type, next.body.size());
    else if (next.method != http::verb::get && next.method != http::verb::head)
      c.wire += "Content-Length: 0\r\n";
    c.wire += "\r\n";
    c.wire += next.body;
    c.written = 0;
    c.sent = now;
    if (run_.options.rate_per_s > 0) {
      c.sent = c.due;  // latency counts from when it was due
      c.due += run_.interval;
    }
    c.deadline = now + run_.options.timeout;
    c.at = connection::phase::sending;
    flush(i);
  }

  void flush(std::size_t i) {
    auto& c = conns_[i];
    auto n = send_some(c.fd, std::string_view{c.wire}.substr(c.written));
    if (n < 0)
      return fail(i, "write", std::strerror(errno), true);
    c.written += static_cast<std::size_t>(n);
    if (c.written < c.wire.size()) {
      if (!c.wants_out)
        watch(i, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
      c.wants_out = true;
      return;
    }
    if (c.wants_out)
      watch(i, EPOLL_CTL_MOD, EPOLLIN);
    c.wants_out = false;
    c.at = connection::phase::reading;
  }

  void readable(std::size_t i) {
    auto& c = conns_[i];
    auto want = c.head ? c.head->size + c.head->body_length : 0;
    auto room = std::max<std::size_t>(k_read_room, want > c.used ? want - c.used : 0);
    if (c.in.size() < c.used + room)
      c.in.resize(c.used + room);
    auto n = ::recv(c.fd, c.in.data() + c.used, c.in.size() - c.used, 0);
    if (n == 0)
      return fail(i, "read", "the server closed the connection", true);
    if (n < 0)
      return errno == EAGAIN || errno == EINTR ? void() : fail(i, "read", std::strerror(errno), true);
    c.used += static_cast<std::size_t>(n);
    std::string_view in{c.in.data(), c.used};
    if (!c.head) {
      try {
        c.head = parse_head(in);
      } catch (const std::exception& e) {
        return fail(i, "read", e.what(), true);
      }
      if (!c.head)
        return;
    }
    auto whole = c.head->size + c.head->body_length;
    if (c.used < whole)
      return;
    if (c.used > whole)
      return fail(i, "read", "bytes after the reply (the load sends one request at a time)", true);
    record(c, load_clock::now(), in.substr(c.head->size, c.head->body_length));
    bool keep_alive = c.head->keep_alive;
    c.used = 0;
    c.head.reset();
    if (c.in.size() > 4 * k_read_room)
      std::vector<char>{}.swap(c.in);  // a large reply's buffer is not kept
    if (keep_alive)
      return next_request(i);
    ++seen.reconnects;
    reopen(i);
  }

  void record(const connection& c, load_clock::time_point answered, std::string_view body) {
    if (answered < run_.opens || answered >= run_.closes)
      return;
    seen.latencies_ms.push_back(std::chrono::duration<double, std::milli>(answered - c.sent).count());
    auto status = c.head->status;
    std::string problem;
    if (status < 200 || status > 299) {
      ++seen.non_2xx;
      seen.note(fmt::format("status {} for {}: {}", status, c.target, body.substr(0, 200)));
    } else if (run_.check && !run_.check(status, body, problem)) {
      ++seen.rejected;
      seen.note(fmt::format("refused reply for {}: {}", c.target, problem));
    }
  }

  // Connections past their deadline (to connect, or for the request in flight) fail.
  void sweep(load_clock::time_point now) {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      auto at = conns_[i].at;
      if ((at == connection::phase::connecting || at == connection::phase::sending || at == connection::phase::reading) &&
          now >= conns_[i].deadline)
        fail(i, at == connection::phase::connecting ? "connect" : at == connection::phase::sending ? "write" : "read",
             "timed out", at != connection::phase::connecting);
    }
  }

  // Before the window closes a broken connection is opened again, so one error costs one
  // request and not the connection's share of the load.
  void fail(std::size_t i, const char* what, std::string_view why, bool reconnect) {
    ++seen.errors;
    seen.note(fmt::format("{}: {}", what, why));
    if (!reconnect || load_clock::now() >= run_.closes)
      return close(i);
    ++seen.reconnects;
    reopen(i);
  }

  void reopen(std::size_t i) {
    close(i);
    open(i);
  }

  void close(std::size_t i) {
    auto& c = conns_[i];
    if (c.fd >= 0)
      ::close(c.fd);  // also takes it out of the epoll set
    c.fd = -1;
    c.at = connection::phase::closed;
  }

  shared_run& run_;
  bool first_;
  bool opened_ = false, closed_ = false;
  int epoll_ = -1;
  std::vector<connection> conns_;
  using due_entry = std::pair<load_clock::time_point, std::size_t>;
  std::priority_queue<due_entry, std::vector<due_entry>, std::greater<>> waiting_;
};

http_load_result merge(std::vector<std::unique_ptr<load_loop>>& threads, double duration_s) {
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
  auto address = numeric_address(o.host, o.port);
  if (!address)
    throw std::invalid_argument("http load: not a numeric address: " + o.host);
  shared_run run{o, source, check, *address};
  auto count = static_cast<unsigned>(std::clamp<std::size_t>(std::max(1u, o.threads), 1, o.connections));
  auto started = load_clock::now();
  run.opens = started + seconds(o.warm_up_s);
  run.closes = run.opens + seconds(o.duration_s);
  if (o.rate_per_s > 0)
    run.interval = seconds(static_cast<double>(o.connections) / o.rate_per_s);
  // Open loop: connection c starts c / rate after the first, so requests are evenly spread.
  auto stagger = o.rate_per_s > 0 ? seconds(1.0 / o.rate_per_s) : load_clock::duration{};
  std::vector<std::unique_ptr<load_loop>> threads;
  std::vector<std::vector<load_clock::time_point>> first_due(count);
  for (std::size_t c = 0; c < o.connections; ++c)
    first_due[c % count].push_back(started + stagger * static_cast<load_clock::rep>(c));
  for (unsigned i = 0; i < count; ++i)
    threads.push_back(std::make_unique<load_loop>(run, first_due[i].size(), i == 0));
  // Every request is bounded by `timeout`, so the loops end on their own once the window
  // closed; the bound here only guards against a bug.
  auto bound = run.closes + 3 * o.timeout;
  std::vector<std::thread> running;
  std::mutex failure_mutex;
  std::exception_ptr failure;
  for (unsigned i = 0; i < count; ++i)
    running.emplace_back([&, i] {
      try {
        threads[i]->run(first_due[i], bound);
      } catch (...) {
        std::lock_guard lock{failure_mutex};
        failure = std::current_exception();
      }
    });
  for (auto& t : running)
    t.join();
  if (failure)
    std::rethrow_exception(failure);
  auto result = merge(threads, o.duration_s);
  result.client_cpu_s = threads.front()->cpu_closed - threads.front()->cpu_opened;
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
