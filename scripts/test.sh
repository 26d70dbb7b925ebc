#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test through ctest: all tests
# on the Release build, then the unit tests again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
start=$(date +%s)
scripts/build.sh release
(cd build/release && ctest --output-on-failure --timeout 600 -j2)
scripts/build.sh asan
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure --timeout 900 -j2 -LE slow)
echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
