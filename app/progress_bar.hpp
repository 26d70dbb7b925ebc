#pragma once
/// Progress of a long command on stderr: a redrawn bar on a terminal, a plain line every 10%
/// otherwise; silent for work that ends within a second.

#include <chrono>
#include <string>

namespace jobmesh::app {

class progress_bar {
public:
  progress_bar(std::string what, std::string unit);

  /// `done` of `total`; cheap to call often. Not thread-safe: serialise calls.
  void update(std::size_t done, std::size_t total);

  /// Ends the bar's line if one was drawn.
  void finish();

private:
  std::string what_, unit_;
  std::chrono::steady_clock::time_point started_;
  bool tty_;
  bool drawn_ = false;
  int last_decile_ = -1;
};

}  // namespace jobmesh::app
