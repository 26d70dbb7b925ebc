// The WebSocket load generator on a plain epoll loop per thread. It was Beast's websocket
// stream, one async read per frame: ~8 µs of CPU a frame with jobmesh's frames and ~15 µs with
// the Node peer's (which come one at a time), two `recvmsg` a frame (Asio reads once before
// epoll says the socket is readable), so the one client thread took a third of the two cores
// the servers it measures need (bench/HISTORY.md, ws). Here a readable socket is read once into
// its buffer and every whole frame in it is taken from there; the opening handshake (RFC 6455
// 4.1, its Sec-WebSocket-Accept checked) and the client's own frames (masked, RFC 6455 5.3) are
// the few lines below. What the server may send and a client must handle: text frames,
// fragmented or not; ping (answered with a pong); close (the client fails).
#include "bench/ws_load.hpp"

#include "bench/harness.hpp"
#include "bench/socket_io.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace jobmesh::bench {

namespace {

using namespace std::chrono_literals;

double unix_ms_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
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

// The opening handshake's key is fixed (RFC 6455 asks a client for a random one so that a proxy
// cannot replay answers; these connections go to loopback only), and so is the answer it wants.
constexpr std::string_view k_key = "dGhlIHNhbXBsZSBub25jZQ==";  // 16 bytes in base64: RFC 6455's example (1.3)

std::string expected_accept() {
  std::string text = std::string{k_key} + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  ::SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> out{};
  auto n = ::EVP_EncodeBlock(out.data(), digest.data(), SHA_DIGEST_LENGTH);
  return {reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n)};
}

// A client frame (RFC 6455 5.2): FIN, `opcode`, masked with a key of zeros (the mask is
// required; its value protects proxies, and there are none on loopback).
std::string client_frame(std::uint8_t opcode, std::string_view payload) {
  std::string out;
  out.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(0x80 | payload.size()));
  } else if (payload.size() <= 0xffff) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((payload.size() >> shift) & 0xff));
  }
  out.append(4, '\0');  // the masking key
  out.append(payload);  // masked with zeros: as it is
  return out;
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
  socket_address address;
  std::string request;  ///< the opening handshake, the same for every client
  std::string accept;   ///< the Sec-WebSocket-Accept it wants back
  std::atomic<std::size_t> subscribed{0};  ///< clients whose current topic said `subscribed`
  std::atomic<std::size_t> failed{0};
  std::atomic<bool> recording{false};
  std::atomic<std::size_t> next_to_connect{0};
  topic_of_client topic;
};

enum class phase { connecting, handshaking, open, failed };

struct client {
  int fd = -1;
  std::size_t index = 0;
  phase at = phase::connecting;
  std::string topic;
  std::vector<char> in;  ///< bytes read and not yet taken (in[0, used))
  std::size_t used = 0;
  std::string message;  ///< a fragmented message's parts so far
  std::string outbox;   ///< bytes the socket did not take yet
  bool wants_out = false;  ///< epoll also watches for room to write
  bool subscribed = false, settled = false;
  std::int64_t subscribed_seq = 0;
  double subscribe_sent_ms = 0;  ///< this client's clock when it last asked to subscribe
};

class worker {
public:
  // `most`: how many clients this thread may start, at most (all of them): its list never
  // grows past what it reserved, so a client held while another starts stays where it is.
  worker(shared_state& shared, std::size_t most) : shared_(shared) {
    clients_.reserve(most);
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0)
      throw std::runtime_error(fmt::format("ws clients: epoll or eventfd: {}", std::strerror(errno)));
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = k_wake;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &e);
    thread_ = std::thread{[this] { run(); }};
  }

  ~worker() {
    post([this] { stopping_ = true; });
    thread_.join();
    for (auto& c : clients_)
      if (c.fd >= 0)
        ::close(c.fd);
    ::close(wake_);
    ::close(epoll_);
  }

  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  /// Runs `task` on this worker's thread.
  void post(std::function<void()> task) {
    {
      std::lock_guard lock{tasks_mutex_};
      tasks_.push_back(std::move(task));
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
  }

  tally seen;

  /// Starts the next client not yet started (on this thread); one that fails at once (no file
  /// descriptor left, say) is counted and the one after it started, in this loop rather than by
  /// recursion, which 10,000 such failures would take past the stack.
  void connect_next() {
    for (;;) {
      auto i = shared_.next_to_connect.fetch_add(1);
      if (i >= shared_.options.clients)
        return;
      clients_.emplace_back();
      auto& c = clients_.back();
      c.index = i;
      c.topic = shared_.topic(i);
      c.fd = start_connect(shared_.address);
      if (c.fd < 0) {
        fail(c, "connect", std::strerror(errno), false);
        continue;
      }
      watch(c, EPOLL_CTL_ADD, EPOLLOUT);
      return;
    }
  }

  /// Every client leaves its topic and follows `topic(i)` (on this thread).
  void follow_all(const topic_of_client& topic) {
    for (auto& c : clients_) {
      if (c.at != phase::open)
        continue;
      send(c, client_frame(0x1, fmt::format(R"({{"op":"unsubscribe","topic":"{}"}})", c.topic)));
      c.topic = topic(c.index);
      c.subscribed = false;
      subscribe(c);
    }
  }

private:
  static constexpr std::uint64_t k_wake = ~std::uint64_t{0};

  void run() {
    std::array<epoll_event, 512> events{};
    while (!stopping_) {
      int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
      if (n < 0 && errno != EINTR)
        break;
      for (int k = 0; k < n; ++k) {
        if (events[k].data.u64 == k_wake) {
          run_tasks();
          continue;
        }
        auto& c = clients_[events[k].data.u64];
        if (c.at == phase::failed)
          continue;
        if (events[k].events & (EPOLLERR | EPOLLHUP) && c.at == phase::connecting) {
          int error = connect_error(c.fd);
          fail(c, "connect", std::strerror(error != 0 ? error : ECONNREFUSED));
          continue;
        }
        if (events[k].events & EPOLLOUT)
          writable(c);
        if (c.at != phase::failed && (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
          readable(c);
      }
    }
  }

  void run_tasks() {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(wake_, &count, sizeof count);
    std::deque<std::function<void()>> now;
    {
      std::lock_guard lock{tasks_mutex_};
      now.swap(tasks_);
    }
    for (auto& task : now)
      task();
  }

  void watch(client& c, int op, std::uint32_t events) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = static_cast<std::uint64_t>(&c - clients_.data());
    ::epoll_ctl(epoll_, op, c.fd, &e);
  }

  void writable(client& c) {
    if (c.at == phase::connecting) {
      int error = connect_error(c.fd);
      if (error != 0)
        return fail(c, "connect", std::strerror(error));
      c.at = phase::handshaking;
      watch(c, EPOLL_CTL_MOD, EPOLLIN);
      send(c, shared_.request);
      return;
    }
    flush(c);
  }

  // Sends `bytes` after what waits; what the socket does not take waits for EPOLLOUT.
  void send(client& c, std::string bytes) {
    bool was_empty = c.outbox.empty();
    c.outbox += bytes;
    if (was_empty)
      flush(c);
  }

  void flush(client& c) {
    auto n = send_some(c.fd, c.outbox);
    if (n < 0)
      return fail(c, "write", std::strerror(errno));
    c.outbox.erase(0, static_cast<std::size_t>(n));
    if (!c.outbox.empty()) {
      if (!c.wants_out)
        watch(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
      c.wants_out = true;
      return;
    }
    if (c.wants_out)
      watch(c, EPOLL_CTL_MOD, EPOLLIN);
    c.wants_out = false;
  }

  // One read of what the socket holds (level-triggered: more left means another event), then
  // every whole frame in the buffer.
  void readable(client& c) {
    if (c.in.size() - c.used < 4096)
      c.in.resize(std::max<std::size_t>(c.in.size() * 2, 16 * 1024));
    auto n = ::recv(c.fd, c.in.data() + c.used, c.in.size() - c.used, 0);
    if (n == 0)
      return fail(c, "read", "the server closed the connection");
    if (n < 0)
      return errno == EAGAIN || errno == EINTR ? void() : fail(c, "read", std::strerror(errno));
    c.used += static_cast<std::size_t>(n);
    std::size_t taken = c.at == phase::handshaking ? take_handshake(c) : 0;
    if (c.at == phase::open)
      taken += take_frames(c, taken);
    if (c.at == phase::failed)
      return;
    if (taken > 0) {
      std::memmove(c.in.data(), c.in.data() + taken, c.used - taken);
      c.used -= taken;
    }
  }

  // The server's answer to the opening handshake: 101 with the accept key it owes this key.
  std::size_t take_handshake(client& c) {
    std::string_view head{c.in.data(), c.used};
    auto end = head.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (c.used > 16 * 1024)
        fail(c, "handshake", "no end to the server's answer in 16 KiB");
      return 0;
    }
    head = head.substr(0, end + 2);
    if (head.rfind("HTTP/1.1 101", 0) != 0) {
      fail(c, "handshake", fmt::format("the server answered '{}'", head.substr(0, head.find('\r'))));
      return 0;
    }
    // Header names are case-insensitive: the value follows "accept:" in any case.
    std::string lower{head};
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    auto at = lower.find("\r\nsec-websocket-accept:");
    auto value = at == std::string::npos ? std::string_view{} : head.substr(at + 23);
    value = value.substr(0, value.find('\r'));
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    if (value != shared_.accept) {
      fail(c, "handshake", fmt::format("Sec-WebSocket-Accept '{}', not '{}'", value, shared_.accept));
      return 0;
    }
    c.at = phase::open;
    subscribe(c);
    return end + 4;
  }

  void subscribe(client& c) {
    c.subscribe_sent_ms = unix_ms_now();
    send(c, client_frame(0x1, fmt::format(R"({{"op":"subscribe","topic":"{}"}})", c.topic)));
  }

  // Takes the whole frames from `from` on; returns the bytes taken.
  std::size_t take_frames(client& c, std::size_t from) {
    std::size_t at = from;
    while (c.at == phase::open) {
      const auto* p = reinterpret_cast<const unsigned char*>(c.in.data() + at);
      std::size_t left = c.used - at;
      if (left < 2)
        break;
      bool fin = (p[0] & 0x80) != 0;
      std::uint8_t opcode = p[0] & 0x0f;
      if ((p[1] & 0x80) != 0) {
        fail(c, "read", "a masked frame from the server");
        break;
      }
      std::uint64_t length = p[1] & 0x7f;
      std::size_t header = 2;
      if (length == 126) {
        if (left < 4)
          break;
        length = (std::uint64_t{p[2]} << 8) | p[3];
        header = 4;
      } else if (length == 127) {
        if (left < 10)
          break;
        length = 0;
        for (int k = 0; k < 8; ++k)
          length = (length << 8) | p[2 + k];
        header = 10;
      }
      if (length > 64 * 1024 * 1024) {
        fail(c, "read", fmt::format("a frame of {} bytes", length));
        break;
      }
      if (left < header + length)
        break;
      std::string_view payload{c.in.data() + at + header, static_cast<std::size_t>(length)};
      at += header + length;
      on_frame(c, fin, opcode, payload);
    }
    return at - from;
  }

  void on_frame(client& c, bool fin, std::uint8_t opcode, std::string_view payload) {
    switch (opcode) {
      case 0x8:
        return fail(c, "read", "the server closed the WebSocket");
      case 0x9:
        return send(c, client_frame(0xA, payload));
      case 0xA:
        return;
      case 0x0:  // the next part of a fragmented message
        c.message.append(payload);
        if (fin) {
          on_message(c, c.message);
          c.message.clear();
        }
        return;
      case 0x1:
      case 0x2:
        if (fin)
          return on_message(c, payload);
        c.message.assign(payload);
        return;
      default:
        return fail(c, "read", fmt::format("a frame of opcode {}", opcode));
    }
  }

  void on_message(client& c, std::string_view frame) {
    if (field(frame, R"("topic":)") != c.topic)
      return;
    auto type = field(frame, R"("type":)");
    std::int64_t seq = 0;
    auto seq_text = field(frame, R"("seq":)");
    std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
    if (type == "subscribed" && !c.subscribed) {
      c.subscribed = true;
      c.subscribed_seq = seq;
      shared_.subscribed.fetch_add(1, std::memory_order_relaxed);
      settle(c);
      return;
    }
    if (type != "progress" || !c.subscribed || seq <= c.subscribed_seq ||
        !shared_.recording.load(std::memory_order_relaxed))
      return;
    // The topic's latest event follows `subscribed` as a catch-up: made before this client
    // asked to subscribe, it is no delivery to time.
    double sent_at = 0;
    try {
      sent_at = static_cast<double>(iso_time_ms(field(frame, R"("sent_at":)")));
    } catch (const std::exception& e) {
      return fail(c, "read", e.what());
    }
    if (sent_at < std::floor(c.subscribe_sent_ms))
      return;
    double latency = unix_ms_now() - sent_at;
    std::lock_guard lock{seen.mutex};
    seen.latencies_ms.push_back(latency);
  }

  // A client's connection is settled (subscribed, or failed): the next one may start, unless
  // the caller starts it itself (connect_next).
  void settle(client& c, bool start_next = true) {
    if (c.settled)
      return;
    c.settled = true;
    if (start_next)
      connect_next();
  }

  void fail(client& c, const char* step, std::string_view why, bool start_next = true) {
    if (c.at == phase::failed)
      return;
    c.at = phase::failed;
    if (c.fd >= 0) {
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
    shared_.failed.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock{seen.mutex};
      ++seen.errors;
      keep_problem(seen.problems, fmt::format("client {}: {}: {}", c.index, step, why));
    }
    settle(c, start_next);
  }

  shared_state& shared_;
  int epoll_ = -1, wake_ = -1;
  // Every client this thread started; reserved for all of them up front, so that the
  // positions epoll carries stay valid.
  std::vector<client> clients_;
  std::mutex tasks_mutex_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

struct ws_clients::impl {
  ws_clients_options options;
  shared_state shared{options};
  std::vector<std::unique_ptr<worker>> workers;

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

  // Runs `f` on every worker's thread and waits for all of them, for at most `bound_s`. The
  // tasks share `done` and `f`: when the bound passes first, the wait goes on (a worker may
  // still run them) and the error names it.
  template <class F>
  void on_each_worker(F f, double bound_s) {
    auto done = std::make_shared<std::atomic<std::size_t>>(0);
    auto task = std::make_shared<F>(std::move(f));
    for (auto& w : workers)
      w->post([task, done, wk = w.get()] {
        (*task)(*wk);
        done->fetch_add(1);
      });
    auto until = wall_seconds() + bound_s;
    while (done->load() < workers.size()) {
      if (wall_seconds() > until)
        throw std::runtime_error(fmt::format("ws clients: {} of {} client threads answered within {} s",
                                             done->load(), workers.size(), bound_s));
      std::this_thread::sleep_for(1ms);
    }
  }
};

ws_clients::ws_clients(ws_clients_options options) : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  auto& o = impl_->options;
  auto& s = impl_->shared;
  if (o.clients == 0)
    throw std::invalid_argument("ws clients: no clients");
  auto address = numeric_address(o.host, o.port);
  if (!address)
    throw std::invalid_argument("ws clients: not a numeric address: " + o.host);
  s.address = *address;
  auto host = s.address.storage.ss_family == AF_INET6 ? "[" + o.host + "]" : o.host;
  s.request = fmt::format("GET {} HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n\r\n",
                          o.target, host, o.port, k_key);
  s.accept = expected_accept();
  auto threads = std::clamp<std::size_t>(o.threads, 1, o.clients);
  for (std::size_t i = 0; i < threads; ++i)
    impl_->workers.push_back(std::make_unique<worker>(s, o.clients));
}

ws_clients::~ws_clients() = default;  // each worker stops its thread and closes its sockets

std::size_t ws_clients::size() const {
  return impl_->options.clients;
}

void ws_clients::connect(const topic_of_client& topic, double bound_s) {
  impl_->shared.topic = topic;
  auto in_flight = std::max<std::size_t>(1, impl_->options.connects_in_flight);
  for (std::size_t i = 0; i < in_flight; ++i) {
    auto& w = *impl_->workers[i % impl_->workers.size()];
    w.post([&w] { w.connect_next(); });
  }
  impl_->wait_subscribed(bound_s, "connecting");
}

void ws_clients::follow(const topic_of_client& topic, double bound_s) {
  impl_->shared.subscribed = 0;
  impl_->on_each_worker([topic](worker& w) { w.follow_all(topic); }, bound_s);
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
