#include "app/progress_bar.hpp"

#include <fmt/format.h>
#include <iostream>
#include <unistd.h>

namespace jobmesh::app {

namespace {

constexpr auto k_quiet_for = std::chrono::seconds(1);
constexpr int k_bar_width = 30;

}  // namespace

progress_bar::progress_bar(std::string what, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), started_(std::chrono::steady_clock::now()),
      tty_(::isatty(STDERR_FILENO) == 1) {}

void progress_bar::update(std::size_t done, std::size_t total) {
  auto elapsed = std::chrono::steady_clock::now() - started_;
  if (elapsed < k_quiet_for || total == 0)
    return;
  double fraction = static_cast<double>(done) / static_cast<double>(total);
  double seconds = std::chrono::duration<double>(elapsed).count();
  double eta = fraction > 0 ? seconds / fraction - seconds : 0;
  if (tty_) {
    int filled = static_cast<int>(fraction * k_bar_width);
    std::cerr << fmt::format("\r{} [{}{}] {}/{} {} {:3.0f}% eta {:.0f} s ", what_, std::string(filled, '#'),
                             std::string(k_bar_width - filled, ' '), done, total, unit_, fraction * 100, eta)
              << std::flush;
    drawn_ = true;
    return;
  }
  int decile = static_cast<int>(fraction * 10);
  if (decile == last_decile_)
    return;
  last_decile_ = decile;
  std::cerr << fmt::format("{}: {}/{} {} ({:.0f}%, eta {:.0f} s)\n", what_, done, total, unit_, fraction * 100, eta);
}

void progress_bar::finish() {
  if (drawn_)
    std::cerr << '\n';
  drawn_ = false;
}

}  // namespace jobmesh::app
