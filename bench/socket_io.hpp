#pragma once
/// The few socket calls the load generators' epoll loops share (bench/http_load.cpp,
/// bench/ws_load.cpp): a numeric address, a non-blocking connect, its outcome, and a send that
/// takes what the socket will.

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobmesh::bench {

/// A socket address for connect().
struct socket_address {
  sockaddr_storage storage{};
  socklen_t size = 0;
};

/// `host` (a numeric IPv4 or IPv6 address, no name) and `port`; nothing for anything else.
std::optional<socket_address> numeric_address(const std::string& host, std::uint16_t port);

/// A non-blocking TCP socket (TCP_NODELAY: each request or frame goes out as it is written)
/// whose connect to `to` is under way: its descriptor, or -1 with errno set. Its end shows as
/// EPOLLOUT; connect_error() says how it went.
int start_connect(const socket_address& to);

/// The error a non-blocking connect ended with; 0 when it connected.
int connect_error(int fd);

/// Sends as much of `bytes` as the socket takes without blocking: the count sent (less than
/// the size when the socket is full: wait for EPOLLOUT), or -1 with errno set on a failure.
std::ptrdiff_t send_some(int fd, std::string_view bytes);

}  // namespace jobmesh::bench
