#!/usr/bin/env bash
# Installs Debian packages for a bench peer without starting their services: the peers run
# their own throwaway servers on free loopback ports. policy-rc.d (made here only when the
# machine has none, and removed again) stops invoke-rc.d from starting anything.
#   bench/peers/apt-install.sh nginx-light
set -euo pipefail

log() { printf 'apt-install: %s\n' "$*" >&2; }
[ "$#" -gt 0 ] || { log "usage: apt-install.sh PACKAGE..."; exit 2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    log "need root to run: $*"; return 1
  fi
}

log "installing Debian packages: $*"
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
  made_policy=1
fi
trap 'if [ "$made_policy" -eq 1 ]; then as_root rm -f "$policy"; fi' EXIT
if ! as_root apt-get install -y --no-install-recommends "$@"; then
  as_root apt-get update
  as_root apt-get install -y --no-install-recommends "$@"
fi
