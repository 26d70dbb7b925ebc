#!/usr/bin/env bash
# Installs the Debian 12 packages jobmesh builds, runs and tests with; does nothing when all are
# present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcaf-dev libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsoci-dev libsoci-sqlite3-4.0 libsoci-postgresql4.0 libsqlite3-dev libpq-dev
  libsimdjson-dev libicu-dev libspdlog-dev libfmt-dev libcli11-dev libssl-dev libjwt-dev prometheus-cpp-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  curl python3 chromium
)
# Extra groups: `install-deps.sh bench` adds what the bench peers need.
for group in "$@"; do
  case "$group" in
    bench) packages+=(python3-numpy libopenblas0-pthread gnuplot-nox) ;;  # OpenBLAS: NumPy's best BLAS here; gnuplot: the report's plot
    *) echo "install-deps.sh: unknown group '$group' (known: bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
