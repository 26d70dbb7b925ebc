#!/usr/bin/env bash
# README command 1: install what is missing, build Release, run the server on its embedded
# default (SQLite file var/jobmesh.db, dashboard at http://127.0.0.1:8080). Extra arguments go
# to `jobmesh serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release --target jobmesh  # the server alone; scripts/test.sh builds the tests
mkdir -p var
exec build/release/bin/jobmesh serve "$@"
