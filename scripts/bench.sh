#!/usr/bin/env bash
# Installs what the bench peers need, builds Release and runs bench suites (bench/README.md):
#   scripts/bench.sh match [options]   one suite, with its own options (`jobmesh bench match --help`)
#   scripts/bench.sh all               every suite at BENCH.md's workloads, then the report
#   scripts/bench.sh report            bench/results/*.json -> the README's performance section
#                                      and bench/plots/ (scripts/bench-report.py)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
report() { /usr/bin/python3 scripts/bench-report.py "$@"; }
case "${1:-}" in
  report)
    shift
    report "$@"
    ;;
  all)
    scripts/build.sh release
    failed=()
    for suite in match match-query jobs submit http ws recovery; do
      echo "bench.sh: suite $suite" >&2
      build/release/bin/jobmesh bench "$suite" || failed+=("$suite")
    done
    report
    if [ "${#failed[@]}" -gt 0 ]; then
      echo "bench.sh: these suites failed (the report shows their previous results, if any): ${failed[*]}" >&2
      exit 1
    fi
    ;;
  *)
    scripts/build.sh release
    exec build/release/bin/jobmesh bench "$@"
    ;;
esac
