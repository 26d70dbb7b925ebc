#!/usr/bin/env bash
# Installs the peer of the `http` bench suite: Debian's nginx (nginx-light: the static file
# server without the extra modules). Its service is never started: `jobmesh bench http` runs
# its own nginx on a free loopback port with a config in bench/work/http.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -x /usr/sbin/nginx ]; then
  "$here/apt-install.sh" nginx-light
fi
printf 'setup-http: ready: %s\n' "$(/usr/sbin/nginx -v 2>&1)" >&2
