#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz) for SECONDS each (default 30) from its seed corpus;
# fails on the first crash, leak or sanitizer report and leaves the input that caused it in
# build/fuzz/findings/<target>/. New inputs the fuzzer finds stay in build/fuzz (not the repo).
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
scripts/build.sh fuzz
for target in ndjson_records job_request http_request; do
  corpus=build/fuzz/corpus/$target
  findings=build/fuzz/findings/$target
  mkdir -p "$corpus" "$findings"
  cp -n tests/fuzz/corpus/$target/* "$corpus"/
  echo "fuzz: $target for ${seconds} s"
  build/fuzz/bin/${target}_fuzz -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" 2>"build/fuzz/$target.log" || {
    tail -40 "build/fuzz/$target.log" >&2
    echo "fuzz: $target failed; the input is in $findings/" >&2
    exit 1
  }
  grep -E "stat::number_of_executed_units|stat::new_units_added" "build/fuzz/$target.log" | sed "s/^/fuzz: $target /"
done
echo "fuzz: every target ran ${seconds} s without a crash"
