#!/usr/bin/env bash
# Installs the peers of the `jobs` bench suite: graphile-worker on PostgreSQL 15 and BullMQ on
# Redis 7 (see bench/peers/jobs/README.md). Idempotent: installs only what is missing.
#  - Debian packages: redis-server, postgresql (15 on Debian 12). No service is started: the
#    peer scripts start their own throwaway servers on free loopback ports.
#  - npm packages from bench/peers/jobs/package-lock.json (`npm ci`), exact versions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jobs_dir="$here/jobs"
pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"

log() { printf 'setup-jobs: %s\n' "$*" >&2; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/postgres" ] && [ -x "$pg_bin/pg_isready" ] || missing+=(postgresql)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ "${#missing[@]}" -gt 0 ]; then
  "$here/apt-install.sh" "${missing[@]}"
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  log "node $node_major found; the peers need Node >= 18"
  exit 1
fi

# initdb and postgres refuse to run as root; the scripts then run them as this user.
if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
  log "creating system user postgres"
  useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
fi

cd "$jobs_dir"
if [ -f package-lock.json ]; then
  if [ -d node_modules ] && npm ls --omit=dev --depth=0 >/dev/null 2>&1 \
     && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    log "npm packages up to date"
  else
    log "npm ci"
    npm ci --no-audit --no-fund >&2
  fi
else
  log "npm install (creating package-lock.json)"
  npm install --no-audit --no-fund >&2
fi

log "ready: redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), postgres $("$pg_bin/postgres" --version | awk '{print $3}'), graphile-worker $(node -p 'require("./node_modules/graphile-worker/package.json").version'), bullmq $(node -p 'require("./node_modules/bullmq/package.json").version')"
