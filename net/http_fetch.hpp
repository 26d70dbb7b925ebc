#pragma once
/// A blocking HTTP(S) GET for jobs that pull data from elsewhere (`import-postings`). It runs
/// on the calling thread: only call it from a thread that may block (a detached worker), never
/// from an actor or an I/O thread. Every wait has a bound, except the DNS lookup (see below).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace jobmesh::net {

/// How long and how much one `http_get` may take.
struct fetch_limits {
  /// For each hop: from the first connection attempt to the end of the TLS handshake.
  std::chrono::milliseconds connect_timeout{5000};
  /// For each hop: writing the request and reading the whole response after connecting.
  std::chrono::milliseconds read_timeout{10000};
  /// The largest body accepted; a larger one fails the call.
  std::size_t max_body_bytes = 4 << 20;
  /// Redirects followed before giving up; 0 refuses any.
  int max_redirects = 3;
  /// Connect to no address private_address_kind names (loopback, private, link-local, shared,
  /// unspecified, multicast, reserved; checked for every address a host name resolves to, on
  /// every hop): a URL from outside cannot reach what only this machine or its network should.
  bool refuse_private_addresses = false;
  /// The request's Accept header: what the caller can use, for a server that answers one URL
  /// in several forms.
  std::string accept = "*/*";
};

/// What one `http_get` brought back.
struct fetch_result {
  bool ok = false;           ///< a 2xx status and a body within the limit
  int status = 0;            ///< the last HTTP status seen, 0 if no response got that far
  std::string body;          ///< the body of the last response (empty when it was refused)
  std::string content_type;  ///< its Content-Type, as sent
  std::string final_url;     ///< the URL last asked for, after redirects
  std::string error;         ///< when `!ok`: what went wrong, for people, naming the host or status
  /// When `!ok`: asking again would fail the same way (a URL or redirect that is not one, more
  /// redirects than allowed, a body over the limit); a timeout or a refused connection may not.
  bool permanent = false;
};

/// GETs `url` (http or https), following 301/302/303/307/308 redirects up to
/// `limits.max_redirects`. HTTPS verifies the peer against the system's default trust store and
/// the URL's host name, and sends that name by SNI. Never throws: every failure comes back in
/// `error`. The host name lookup is bounded by the system resolver's own timeouts, not by
/// `connect_timeout` (getaddrinfo cannot be cancelled). Any thread that may block; each call
/// has its own io_context, so calls on different threads are independent.
fetch_result http_get(const std::string& url, const fetch_limits& limits = {});

/// What kind of address `ip` (text: "10.1.2.3", "::1") is when refuse_private_addresses would
/// refuse it ("a loopback address", "a private address", ...); nullopt for a public one, and
/// for text that is not an address.
std::optional<std::string> private_address_kind(const std::string& ip);

}  // namespace jobmesh::net
