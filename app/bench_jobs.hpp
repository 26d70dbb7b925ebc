#pragma once
#include "app/cli.hpp"

namespace jobmesh::app {

/// `jobmesh bench jobs`: no-op jobs submitted in bulk and run, against graphile-worker and BullMQ.
void add_bench_jobs_suite(CLI::App& bench, command_runner& chosen);

}  // namespace jobmesh::app
