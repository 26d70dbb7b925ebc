#pragma once
/// The gateway: a Beast HTTP/WebSocket server on its own io_context threads. It owns its
/// threads; the engine it talks to is owned by the caller (through `api_context`).

#include "net/api.hpp"

#include <memory>

namespace jobmesh::net {

class server {
public:
  explicit server(std::shared_ptr<const api_context> ctx);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds `server.host:server.port` (port 0 picks a free one), starts `server.io_threads`
  /// threads and returns the bound port. Throws std::runtime_error naming the address when it
  /// cannot bind.
  std::uint16_t start();

  /// Stops the network threads and joins them; connections close when the server is
  /// destroyed. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jobmesh::net
