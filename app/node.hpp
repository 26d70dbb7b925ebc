#pragma once
/// One jobmesh process's engine and gateway, assembled from settings: the actor system, the
/// database sessions, the engine's actors and the HTTP/WebSocket server. `serve` runs one; the
/// integration tests run several in turn over the same database file.

#include "config/settings.hpp"
#include "storage/record_repository.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace caf {
class actor_system;
}

namespace jobmesh::actors {
struct engine;
}

namespace jobmesh::app {

class node {
public:
  explicit node(config::settings settings);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Opens and migrates the database, starts the actors and the server; returns the bound port.
  /// Throws std::exception with a message naming what failed (database URL, address).
  /// `demo`: load_demo() follows, so the server answers as loading (`/readyz` 503) until it ends.
  std::uint16_t start(bool demo = false);

  /// `serve --demo`: when the database holds no postings and no candidates, generates the demo
  /// marketplace (`demo.*` settings) and ingests it, logging progress; otherwise does nothing.
  /// Each demo posting's `url` is its own page on this server (`/api/v1/postings/{id}`), so
  /// that `import-postings` by `candidate_id` has detail pages to fetch.
  /// Either way the server is ready when it returns (or throws). Call after start(true).
  /// Throws std::runtime_error naming what failed.
  void load_demo();

  /// Ingests NDJSON records through the matching service in chunks of lines, as a client
  /// would; `progress(done)` after each chunk. Throws std::runtime_error naming a rejected line
  /// or the error. Call after start().
  void ingest(storage::record_kind kind, const std::string& ndjson, const std::function<void(std::size_t)>& progress);

  /// The running engine and its actor system (in-process users such as `simulate`). After start().
  caf::actor_system& system();
  const actors::engine& engine() const;

  /// Stops the server, then the actors, and waits for them. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Sets spdlog's level and pattern from `level` (a `log.level` value).
void setup_logging(const std::string& level);

}  // namespace jobmesh::app
