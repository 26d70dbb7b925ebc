#pragma once
/// The `jobmesh bench` suites (../shared/BENCH.md), one file each (`bench/<suite>_suite.cpp`):
/// each adds its subcommand, with its options, to the `bench` command `app/` made, and stores
/// in `chosen` what runs it. A suite runs jobmesh and its peer side by side in the same run,
/// prints a table with the ratio and writes `bench/results/<suite>.json`.

#include <functional>

namespace CLI {
class App;
}

namespace jobmesh::bench {

/// Runs the chosen suite; returns the process exit code.
using command_runner = std::function<int()>;

/// Adds every suite below to `bench`.
void add_suites(CLI::App& bench, command_runner& chosen);

/// `match`: the `fit` profile, exhaustive top-10 for every candidate, on data from `jobmesh
/// generate`, against the NumPy peer in bench/peers/numpy_match.py; checks that both produced
/// the same lists.
void add_match_suite(CLI::App& bench, command_runner& chosen);
/// `match-query`: one candidate's top-10 among 1M postings over HTTP keep-alive.
void add_match_query_suite(CLI::App& bench, command_runner& chosen);
/// `jobs`: no-op jobs submitted in bulk and run, against graphile-worker and BullMQ.
void add_jobs_suite(CLI::App& bench, command_runner& chosen);
/// `submit`: durable single and bulk submissions over HTTP keep-alive (absolute).
void add_submit_suite(CLI::App& bench, command_runner& chosen);
/// `http`: GET of one job over keep-alive, against nginx serving the same body.
void add_http_suite(CLI::App& bench, command_runner& chosen);
/// `recovery`: queued and running jobs, kill -9, restart (absolute).
void add_recovery_suite(CLI::App& bench, command_runner& chosen);
/// `ws`: WebSocket clients following jobs' progress, against a Node `ws` server.
void add_ws_suite(CLI::App& bench, command_runner& chosen);

}  // namespace jobmesh::bench
