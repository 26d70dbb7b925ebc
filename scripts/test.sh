#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test through ctest under
# AddressSanitizer + UBSan; the matching kernel's tests run once more at Release's -O3, where
# its vector code is generated. One full build, not two, keeps a clean clone under 30 minutes
# on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
start=$(date +%s)
mark=$start
# Each step's time, so a run that grows past the 30 minutes names what grew.
took() { local now; now=$(date +%s); echo "test.sh: $1 took $((now - mark)) s"; mark=$now; }
scripts/build.sh asan
took "the ASan build"
# The tests of concurrent code (the engine's actors, the node over HTTP and WebSocket) run five
# times each: a flaky one fails the submission that adds it, not a later one.
concurrent='^(node_test|records_api_test|matching_jobs_test|http_fetch|supervisor_test|job_groups_test|scheduler_test|jobs_api_test|cancel_race_test|cancel_test|job_batch_test|large_job_test|crash_recovery|auth_api_test|limits_api_test|openapi_api_test|malformed_input_test|stalled_job_test|marketplace_test|matcher_shard_test|hub_test|worker_batch|activity_api_test|feed_jobs_test|search_jobs_test|maintenance_jobs_test|simulation|storage_writer_test)\.'
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
(cd build/asan && ctest --output-on-failure --timeout 900 -j2 -E "$concurrent")
took "the tests run once"
(cd build/asan && ctest --output-on-failure --timeout 900 -j2 -R "$concurrent" --repeat until-fail:5)
took "the concurrent tests run five times"
# libFuzzer (clang): the HTTP request path, job submissions and the NDJSON record reader, 20 s
# each from their seed corpora; a crash fails the run.
scripts/fuzz.sh 20
took "the fuzz build and runs"
scripts/build.sh release --target match_tests
(cd build/release && ctest --output-on-failure --timeout 600 -j2 -L match)
took "the match tests at -O3"
echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
