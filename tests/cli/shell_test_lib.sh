# Sourced by the shell tests after setting $bin (the jobmesh binary): a scratch directory
# ($work) removed at exit with the server the test started (by its pid), `fail`, and
# `start_serve`.
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Starts `jobmesh serve` on a free loopback port with the given arguments, logging to LOG; sets
# server_pid and url (http://127.0.0.1:PORT/). A bounded poll: fails when serve exits or prints
# no URL within 20 s.
# Usage: start_serve LOG [serve arguments...]
start_serve() {
  local log=$1
  shift
  "$bin" serve --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
  server_pid=$!
  url=""
  for _ in $(seq 1 400); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" || true)
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "serve exited: $(cat "$log")"
    sleep 0.05
  done
  fail "serve printed no URL: $(cat "$log")"
}

# Polls job ID on the server at $url until its status is WANTED (bounded: 20 s); fails naming
# the last status seen.
# Usage: await_status ID WANTED
await_status() {
  local status=""
  for _ in $(seq 1 400); do
    status=$(curl -s "${url}api/v1/jobs/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    [ "$status" = "$2" ] && return 0
    sleep 0.05
  done
  fail "job $1 ended as '$status', not $2"
}
