#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz) for SECONDS (default 30) from its seed corpus, the
# targets side by side; fails when any of them meets a crash, leak or sanitizer report, and
# leaves the input that caused it in build/fuzz/findings/<target>/. New inputs the fuzzer
# finds stay in build/fuzz (not the repo).
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
scripts/build.sh fuzz
# Side by side, each into its own log (with more targets than cores, each runs fewer inputs
# than it would alone); every one is waited for, and each that failed is named.
targets=(ndjson_records job_request http_request)
pids=()
for target in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$target
  findings=build/fuzz/findings/$target
  mkdir -p "$corpus" "$findings"
  cp -n tests/fuzz/corpus/$target/* "$corpus"/
  echo "fuzz: $target for ${seconds} s"
  build/fuzz/bin/${target}_fuzz -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" 2>"build/fuzz/$target.log" &
  pids+=($!)
done
failed=()
for i in "${!targets[@]}"; do
  wait "${pids[$i]}" || failed+=("${targets[$i]}")
done
for target in "${targets[@]}"; do
  { grep -E "stat::number_of_executed_units|stat::new_units_added" "build/fuzz/$target.log" || true; } |
    sed "s/^/fuzz: $target /"
done
for target in "${failed[@]}"; do
  tail -40 "build/fuzz/$target.log" >&2
  echo "fuzz: $target failed; the input is in build/fuzz/findings/$target/" >&2
done
[ ${#failed[@]} -eq 0 ] || exit 1
echo "fuzz: every target ran ${seconds} s without a crash"
