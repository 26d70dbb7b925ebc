#include "net/http_fetch.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace jobmesh::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
using tcp = asio::ip::tcp;

constexpr std::string_view k_user_agent = "jobmesh-import/1";

/// What went wrong in a step, for people; nothing when the step succeeded.
using failure = std::optional<std::string>;

/// One hop's destination, taken apart from its URL.
struct hop_target {
  urls::url url;
  bool tls = false;
  std::string host;       ///< without IPv6 brackets: for DNS, SNI and certificate checks
  std::string port;
  std::string authority;  ///< host:port as written in URLs: the Host header and error messages
  std::string target;     ///< path and query
};

/// The response to one request, or why there is none.
struct hop {
  http::response<http::string_body> res;
  int status = 0;  ///< set as soon as a header arrived, even when the body then failed
  failure error;
  bool permanent = false;  ///< the error would come again (the body's limit, a refused address)
};

// Boost.URL accepts any run of digits as a port.
bool is_port(std::string_view digits) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc{} && end == digits.data() + digits.size() && value >= 1 && value <= 65535;
}

std::variant<hop_target, std::string> parse_target(std::string_view text) {
  auto parsed = urls::parse_uri(text);
  if (!parsed)
    return fmt::format("malformed URL: '{}': {}", text, parsed.error().message());
  const urls::url_view& u = *parsed;
  if (u.scheme_id() != urls::scheme::http && u.scheme_id() != urls::scheme::https)
    return fmt::format("unsupported URL scheme '{}'", std::string_view{u.scheme()});
  if (!u.has_authority() || u.encoded_host().empty())
    return fmt::format("malformed URL: '{}' names no host", text);
  hop_target to{.url = urls::url{u}, .tls = u.scheme_id() == urls::scheme::https, .host = u.host_address()};
  to.port = u.port().empty() ? (to.tls ? "443" : "80") : std::string{u.port()};
  if (!is_port(to.port))
    return fmt::format("malformed URL: '{}': port {} is out of range", text, to.port);
  to.authority = fmt::format("{}:{}", std::string_view{u.encoded_host()}, to.port);
  to.target = u.encoded_target().empty() ? "/" : std::string{u.encoded_target()};
  return to;
}

/// `location` resolved against the URL that answered with it, or nothing if it is not a URL.
std::optional<std::string> resolve_location(const urls::url& base, std::string_view location) {
  auto ref = urls::parse_uri_reference(location);
  if (!ref)
    return std::nullopt;
  urls::url next;
  if (!urls::resolve(base, *ref, next))
    return std::nullopt;
  return std::string{next.buffer()};
}

// The caller's thread waits while the operation runs asynchronously, so that the stream's
// timer can cancel it: a blocking socket call has no timeout to give it.
template <class Start>
beast::error_code wait_for(asio::io_context& ioc, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

// The kind of `a` when it is not a public unicast address: what a fetch that refuses private
// addresses must not connect to (this machine, its networks, the cloud's metadata service at
// 169.254.169.254, ranges set aside for documentation and benchmarks). An IPv6 address that
// carries an IPv4 one a router or translator would reach (mapped ::ffff:a.b.c.d, translated
// ::ffff:0:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:AABB:CCDD::,
// Teredo's client) is judged by that IPv4 address too (kind_of, below).
std::optional<std::string> kind_of_v4(const asio::ip::address_v4& a) {
  auto b = a.to_bytes();
  if (b[0] == 127)
    return "a loopback address";
  if (b[0] == 0)
    return "an unspecified address";  // 0.0.0.0/8: "this network"
  if (b[0] >= 224 && b[0] < 240)
    return "a multicast address";
  if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168))
    return "a private address";
  if (b[0] == 100 && (b[1] & 0xc0) == 64)
    return "a shared (carrier-grade NAT) address";
  if (b[0] == 169 && b[1] == 254)
    return "a link-local address";
  // 192.0.0.0/24 (protocol assignments), 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
  // (documentation), 198.18.0.0/15 (benchmarking), 240.0.0.0/4 and the broadcast address.
  if (b[0] >= 240 || (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2)) ||
      (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113) ||
      (b[0] == 198 && (b[1] & 0xfe) == 18))
    return "a reserved address";
  return std::nullopt;
}

// The IPv4 address inside `v6` where it carries one (see kind_of).
std::optional<asio::ip::address_v4> embedded_v4(const asio::ip::address_v6& v6) {
  auto b = v6.to_bytes();
  auto v4_at = [&](std::size_t at, std::uint8_t flip = 0) {
    return asio::ip::address_v4{asio::ip::address_v4::bytes_type{
        static_cast<unsigned char>(b[at] ^ flip), static_cast<unsigned char>(b[at + 1] ^ flip),
        static_cast<unsigned char>(b[at + 2] ^ flip), static_cast<unsigned char>(b[at + 3] ^ flip)}};
  };
  auto zero = [&](std::size_t from, std::size_t to) {
    return std::all_of(b.begin() + from, b.begin() + to, [](auto x) { return x == 0; });
  };
  if (v6.is_v4_mapped())
    return v4_at(12);
  if (zero(0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)  // ::ffff:0:a.b.c.d, translated
    return v4_at(12);
  if (zero(0, 12) && !v6.is_loopback() && !v6.is_unspecified())  // ::a.b.c.d, IPv4-compatible
    return v4_at(12);
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zero(4, 12))  // 64:ff9b::/96
    return v4_at(12);
  if (b[0] == 0x20 && b[1] == 0x02)  // 2002::/16, 6to4
    return v4_at(2);
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)  // 2001::/32, Teredo: the client's, inverted
    return v4_at(12, 0xff);
  return std::nullopt;
}

std::optional<std::string> kind_of(const asio::ip::address& a) {
  if (a.is_v4())
    return kind_of_v4(a.to_v4());
  auto v6 = a.to_v6();
  if (auto v4 = embedded_v4(v6))
    return kind_of_v4(*v4);
  auto b = v6.to_bytes();
  if (v6.is_loopback())
    return "a loopback address";
  if (v6.is_unspecified())
    return "an unspecified address";
  if (v6.is_multicast())
    return "a multicast address";
  if (v6.is_link_local())
    return "a link-local address";
  if (v6.is_site_local() || (b[0] & 0xfe) == 0xfc)  // fec0::/10, fc00::/7
    return "a private address";
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1)  // 64:ff9b:1::/48
    return "a private address";  // local-use NAT64 (RFC 8215): whatever it translates to is local
  // 2001:db8::/32 and 3fff::/20 (documentation), 2001:2::/48 (benchmarking), 2001:20::/28
  // (ORCHIDv2, not routed), 100::/64 (discard only)
  if ((b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) ||
      (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) ||
      (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0x02 && b[4] == 0 && b[5] == 0) ||
      (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && (b[3] & 0xf0) == 0x20) ||
      (b[0] == 0x01 && b[1] == 0x00 && std::all_of(b.begin() + 2, b.begin() + 8, [](auto x) { return x == 0; })))
    return "a reserved address";
  return std::nullopt;
}

// The connect timeout starts here and keeps running through the TLS handshake. `permanent`:
// the failure would come again (every address refused).
failure connect(asio::io_context& ioc, beast::tcp_stream& stream, const hop_target& to, const fetch_limits& limits,
                bool& permanent) {
  tcp::resolver resolver{ioc};
  beast::error_code ec;
  auto resolved = resolver.resolve(to.host, to.port, ec);
  if (ec)
    return fmt::format("cannot resolve host '{}': {}", to.host, ec.message());
  std::vector<tcp::endpoint> endpoints;
  std::string refused;
  for (const auto& entry : resolved) {
    auto kind = limits.refuse_private_addresses ? kind_of(entry.endpoint().address()) : std::nullopt;
    if (!kind)
      endpoints.push_back(entry.endpoint());
    else if (refused.empty())
      refused = fmt::format("{} is {}", entry.endpoint().address().to_string(), *kind);
  }
  if (endpoints.empty()) {
    permanent = true;
    return fmt::format("refused to connect to {}: {} (imports.private_addresses)", to.authority, refused);
  }
  stream.expires_after(limits.connect_timeout);
  ec = wait_for(ioc, [&](auto done) { stream.async_connect(endpoints, std::move(done)); });
  if (ec == beast::error::timeout)
    return fmt::format("timed out connecting to {} after {} ms", to.authority, limits.connect_timeout.count());
  if (ec)
    return fmt::format("cannot connect to {}: {}", to.authority, ec.message());
  return std::nullopt;
}

failure handshake(asio::io_context& ioc, beast::ssl_stream<beast::tcp_stream>& stream, const hop_target& to,
                  const fetch_limits& limits) {
  // RFC 6066 allows only host names in SNI, not address literals.
  if (to.url.host_type() == urls::host_type::name && !SSL_set_tlsext_host_name(stream.native_handle(), to.host.c_str()))
    return fmt::format("cannot set the TLS server name '{}'", to.host);
  beast::error_code ec;
  stream.set_verify_callback(ssl::host_name_verification(to.host), ec);
  if (ec)
    return fmt::format("cannot set up certificate checks for '{}': {}", to.host, ec.message());
  ec = wait_for(ioc, [&](auto done) { stream.async_handshake(ssl::stream_base::client, std::move(done)); });
  if (ec == beast::error::timeout)
    return fmt::format("timed out connecting to {} after {} ms", to.authority, limits.connect_timeout.count());
  if (ec)
    return fmt::format("TLS handshake with {} failed: {}", to.authority, ec.message());
  return std::nullopt;
}

template <class Stream>
hop exchange(asio::io_context& ioc, Stream& stream, const hop_target& to, const fetch_limits& limits) {
  http::request<http::empty_body> req{http::verb::get, to.target, 11};
  req.set(http::field::host, to.authority);
  req.set(http::field::user_agent, k_user_agent);
  req.set(http::field::accept, limits.accept);
  req.set(http::field::connection, "close");
  beast::get_lowest_layer(stream).expires_after(limits.read_timeout);
  auto ec = wait_for(ioc, [&](auto done) { http::async_write(stream, req, std::move(done)); });
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
  if (!ec)
    ec = wait_for(ioc, [&](auto done) { http::async_read(stream, buffer, parser, std::move(done)); });
  hop out;
  if (parser.is_header_done())
    out.status = parser.get().result_int();
  if (ec == http::error::body_limit) {
    out.error = fmt::format("body larger than {} bytes", limits.max_body_bytes);
    out.permanent = true;
  } else if (ec == beast::error::timeout) {
    out.error = fmt::format("timed out reading the response from {} after {} ms", to.authority, limits.read_timeout.count());
  } else if (ec) {
    out.error = fmt::format("exchange with {} failed: {}", to.authority, ec.message());
  } else {
    out.res = parser.release();
  }
  return out;
}

// A fresh connection per hop: redirects often lead to another host, and one GET per job
// leaves nothing worth keeping alive.
hop fetch_once(const hop_target& to, const fetch_limits& limits) {
  asio::io_context ioc;
  bool permanent = false;
  if (!to.tls) {
    beast::tcp_stream stream{ioc};
    if (auto why = connect(ioc, stream, to, limits, permanent))
      return {.error = std::move(why), .permanent = permanent};
    return exchange(ioc, stream, to, limits);
  }
  ssl::context ctx{ssl::context::tls_client};
  beast::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (!ec)
    ctx.set_verify_mode(ssl::verify_peer, ec);
  if (ec)
    return {.error = fmt::format("cannot load the system's trusted certificates: {}", ec.message())};
  beast::ssl_stream<beast::tcp_stream> stream{ioc, ctx};
  if (auto why = connect(ioc, beast::get_lowest_layer(stream), to, limits, permanent))
    return {.error = std::move(why), .permanent = permanent};
  if (auto why = handshake(ioc, stream, to, limits))
    return {.error = std::move(why)};
  // No TLS close_notify afterwards: the whole response is in, and nothing more is sent.
  return exchange(ioc, stream, to, limits);
}

bool is_redirect(http::status s) {
  using enum http::status;
  return s == moved_permanently || s == found || s == see_other || s == temporary_redirect || s == permanent_redirect;
}

void take_final(http::response<http::string_body> res, fetch_result& out) {
  out.content_type = std::string{res[http::field::content_type]};
  out.body = std::move(res.body());
  out.ok = out.status >= 200 && out.status < 300;
  if (!out.ok)
    out.error = fmt::format("HTTP {} {}", out.status, std::string_view{res.reason()});
}

void follow(const fetch_limits& limits, fetch_result& out) {
  for (int redirects = 0;; ++redirects) {
    auto parsed = parse_target(out.final_url);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      out.error = std::move(*why);
      out.permanent = true;
      return;
    }
    const auto& to = std::get<hop_target>(parsed);
    auto got = fetch_once(to, limits);
    out.status = got.status;
    if (got.error) {
      out.error = std::move(*got.error);
      out.permanent = got.permanent;
      return;
    }
    auto location = got.res[http::field::location];
    if (!is_redirect(got.res.result()) || location.empty())
      return take_final(std::move(got.res), out);
    if (redirects >= limits.max_redirects) {
      out.error = fmt::format("more than {} redirects", limits.max_redirects);
      out.permanent = true;
      return;
    }
    auto next = resolve_location(to.url, location);
    if (!next) {
      out.error = fmt::format("malformed redirect from {}: Location '{}'", out.final_url, std::string_view{location});
      out.permanent = true;
      return;
    }
    out.final_url = std::move(*next);
  }
}

}  // namespace

fetch_result http_get(const std::string& url, const fetch_limits& limits) {
  fetch_result out;
  out.final_url = url;
  // Allocation failures and the SSL context's constructor still throw; callers get a value.
  try {
    follow(limits, out);
  } catch (const std::exception& e) {
    out.ok = false;
    out.error = fmt::format("fetching {} failed: {}", out.final_url, e.what());
  }
  return out;
}

std::optional<std::string> private_address_kind(const std::string& ip) {
  beast::error_code ec;
  auto address = asio::ip::make_address(ip, ec);
  if (ec)
    return std::nullopt;
  return kind_of(address);
}

}  // namespace jobmesh::net
