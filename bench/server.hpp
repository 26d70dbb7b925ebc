#pragma once
/// A `jobmesh serve` a bench suite starts as a child process (this very binary), on loopback,
/// with its output in a log file: its port, its time to ready, its memory and CPU from /proc,
/// and a bounded stop (SIGTERM, then SIGKILL) when it goes out of scope, so no error path
/// leaves it running.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

namespace jobmesh::bench {

class server_process {
public:
  /// Spawns `argv` (argv[0] is the program) with stdout and stderr into `log`.
  server_process(std::vector<std::string> argv, const std::filesystem::path& log);
  ~server_process() { stop(); }
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// False once it exited (and it is reaped).
  bool running();
  std::string log_text() const;
  /// VmRSS from /proc/<pid>/status, in bytes.
  double rss_bytes() const;
  /// User plus system CPU seconds from /proc/<pid>/stat.
  double cpu_seconds() const;
  /// SIGTERM, then SIGKILL when it has not exited within 60 s.
  void stop();
  /// SIGKILL now (a crash, for recovery tests), and reaps it.
  void kill();

private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

/// A started server: the process, its port, and seconds from spawn to ready.
struct started_server {
  std::unique_ptr<server_process> process;
  std::uint16_t port = 0;
  double spawned_at = 0, ready_s = 0;
};

/// Starts `<program> serve --listen 127.0.0.1:0 <args>`, by default from /proc/self/exe (the
/// running binary, even when a build replaced the file meanwhile), reads its port from its log
/// and waits for `/readyz`, each wait bounded (60 s).
started_server start_server(const std::vector<std::string>& args, const std::filesystem::path& log,
                            const std::string& program = "/proc/self/exe");

}  // namespace jobmesh::bench
