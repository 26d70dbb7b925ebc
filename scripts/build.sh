#!/usr/bin/env bash
# Configures (once) and builds one flavour into build/<flavour>: release | asan.
# Incremental: a second run with nothing changed does no work.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
shift || true
case "$flavour" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan)    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DJOBMESH_SANITIZE=ON) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release | asan)" >&2; exit 2 ;;
esac
[ "${CI:-}" = "true" ] && flags+=(-DJOBMESH_WERROR=ON)
dir=build/$flavour
# Precompiled headers and ccache get along only with these.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
# Paths relative to the checkout, so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR=$PWD
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" "$@"
fi
# Two cores and heavy translation units: one job per core, no more.
cmake --build "$dir" -- -j"$(nproc)"
