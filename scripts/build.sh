#!/usr/bin/env bash
# Configures (once) and builds one flavour into build/<flavour>: release | asan | fuzz.
# Incremental: a second run with nothing changed does no work.
# Usage: scripts/build.sh FLAVOUR [--target T]... [-DCMAKE_OPTION=...]...
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
shift || true
targets=()
configure=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) targets+=(--target "$2"); shift 2 ;;
    *) configure+=("$1"); shift ;;
  esac
done
case "$flavour" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  # -O1 -g1 as the sanitizers' documentation suggests: stack traces keep their lines, and the
  # build is cheaper than -O2 -g (CI builds this flavour from scratch). A unity build (CMake
  # batches of 8 sources a translation unit): CAF's and Beast's templates are instantiated
  # once a batch instead of once a file.
  asan)    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
                  -DJOBMESH_SANITIZE=ON -DCMAKE_UNITY_BUILD=ON) ;;
  # libFuzzer targets only (tests/fuzz), with clang from Debian.
  fuzz)    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DJOBMESH_FUZZ=ON
                  -DCMAKE_UNITY_BUILD=ON) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release | asan | fuzz)" >&2; exit 2 ;;
esac
[ "${CI:-}" = "true" ] && flags+=(-DJOBMESH_WERROR=ON)
dir=build/$flavour
# Precompiled headers and ccache get along only with these.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
# Paths relative to the checkout, so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR=$PWD
# Objects with debug info (asan, fuzz) record the folder they were built in, so ccache keys
# them by it by default and a clone elsewhere rebuilds all of them (the ASan tree took 23
# minutes of a 32-minute CI run). Not keyed by it, an object from the cache may name another
# clone's build folder in its debug info: stack traces still give file and line.
export CCACHE_NOHASHDIR=true
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" "${configure[@]}"
fi
# Two cores and heavy translation units: one job per core, no more.
cmake --build "$dir" "${targets[@]}" -- -j"$(nproc)"
