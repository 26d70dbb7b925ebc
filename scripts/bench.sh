#!/usr/bin/env bash
# Installs what the bench peers need, builds Release and runs one bench suite, e.g.
#   scripts/bench.sh match            (20k x 20k, the BENCH.md workload)
#   scripts/bench.sh match --candidates 100000 --postings 100000 --peer-repeats 1
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
scripts/build.sh release
exec build/release/bin/jobmesh bench "$@"
