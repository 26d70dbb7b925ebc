#!/usr/bin/env bash
# Installs the peer of the `ws` bench suite: the npm package `ws` (and its optional native
# helper `bufferutil`, prebuilt) from bench/peers/ws/package-lock.json with `npm ci`, exact
# versions (see bench/peers/ws/README.md). Idempotent: does nothing when node_modules matches
# the lock file. Installs Debian's nodejs and npm when they are missing (no service started).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ws_dir="$here/ws"

log() { printf 'setup-ws: %s\n' "$*" >&2; }

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  "$here/apt-install.sh" "${missing[@]}"
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  log "node $node_major found; the peer needs Node >= 18"
  exit 1
fi

cd "$ws_dir"
if [ ! -f package-lock.json ]; then
  log "bench/peers/ws/package-lock.json is missing; it is part of the checkout"
  exit 1
fi
if [ -d node_modules ] && npm ls --omit=dev --depth=0 >/dev/null 2>&1 \
   && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  log "npm packages up to date"
else
  log "npm ci"
  npm ci --no-audit --no-fund >&2
fi

log "ready: node $(node -p process.versions.node), ws $(node -p 'require("./node_modules/ws/package.json").version'), bufferutil $(node -p 'try { require("./node_modules/bufferutil/package.json").version + (require("bufferutil") ? " (loaded)" : "") } catch (e) { "not loadable: ws uses its JavaScript fallback" }')"
