#pragma once
/// `jobmesh bench match-query`: one candidate's top-10 among 1M postings over HTTP keep-alive
/// from many connections, against a `jobmesh serve` child process it starts on a fresh SQLite
/// file: queries/s and latency percentiles, resident memory per posting, ingest rate and load
/// time at start; writes bench/results/match-query.json. No peer: the target is absolute
/// (p99 <= 5 ms on 2 cores, ../shared/BENCH.md).

#include "app/cli.hpp"

namespace jobmesh::app {

void add_bench_match_query_suite(CLI::App& bench, command_runner& chosen);

}  // namespace jobmesh::app
