#pragma once
/// `jobmesh bench match`: the `fit` profile, exhaustive top-10 for every candidate, on data from
/// `jobmesh generate`, against the NumPy peer in bench/peers/numpy_match.py; checks that both
/// produced the same lists and writes bench/results/match.json.

#include "app/cli.hpp"

namespace jobmesh::app {

void add_bench_match_suite(CLI::App& bench, command_runner& chosen);

}  // namespace jobmesh::app
