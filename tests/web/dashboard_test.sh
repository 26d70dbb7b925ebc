#!/usr/bin/env bash
# The dashboard treats every server string as text: a job whose failure message is markup
# renders as plain text in a headless Chromium (Debian's `chromium`), and the page is served
# with headers that forbid injected script. Waits are bounded polls; the server is stopped by
# its pid.
set -euo pipefail
bin=${JOBMESH_BIN:?JOBMESH_BIN must name the jobmesh binary}
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
source "$source_dir/tests/cli/shell_test_lib.sh"
browser=$(command -v chromium || true)
[ -n "$browser" ] || fail "chromium is not installed (scripts/install-deps.sh installs it)"

JOBMESH_SERVER_WEB_ROOT="$source_dir/web" start_serve "$work/out.log" --db "sqlite:$work/j.db"

headers=$(curl -s -D - -o /dev/null "$url")
grep -qi "^content-security-policy: default-src 'self'; script-src 'self'" <<<"$headers" || fail "no CSP: $headers"
grep -qi '^x-content-type-options: nosniff' <<<"$headers" || fail "no nosniff: $headers"
grep -qi '^referrer-policy: no-referrer' <<<"$headers" || fail "no Referrer-Policy: $headers"

markup='\"><img src=x onerror=alert(1)>'
reply=$(curl -s -X POST "${url}api/v1/jobs" -H 'Content-Type: application/json' \
  -d "{\"type\":\"flaky\",\"max_attempts\":1,\"params\":{\"items\":1,\"fail_probability\":1,\"message\":\"$markup\"}}")
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$reply") || fail "submit: $reply"
await_status "$id" failed

# The page lists jobs with a fetch after load: give its script virtual time to run.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
  --virtual-time-budget=5000 --dump-dom "$url" >"$work/dom.html" 2>"$work/chromium.log" ||
  fail "chromium failed: $(tail -5 "$work/chromium.log")"
grep -q "id=\"job-$id\"" "$work/dom.html" || fail "the page does not list job $id: $(head -c 2000 "$work/dom.html")"
grep -q 'onerror=alert(1)' "$work/dom.html" || fail "the failure message is not on the page as text"
# As an element the markup would serialise with quoted attributes; as text it keeps `src=x`.
if grep -q '<img src="x"' "$work/dom.html"; then
  fail "the failure message became an element: $(grep -o '<img[^>]*>' "$work/dom.html" | head -3)"
fi
# A paused queue shows as such, with the button that resumes it.
curl -s -X POST "${url}api/v1/queue/pause" -H 'Content-Type: application/json' -d '{}' | grep -q '"paused":true' ||
  fail "the queue did not pause"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
  --virtual-time-budget=5000 --dump-dom "$url" >"$work/dom2.html" 2>"$work/chromium.log" ||
  fail "chromium failed: $(tail -5 "$work/chromium.log")"
grep -q 'id="queue-state"[^>]*>queue paused<' "$work/dom2.html" ||
  fail "the page does not say the queue is paused: $(grep -o '<h2>Jobs.*' "$work/dom2.html" | head -c 500)"
grep -q '>Resume queue<' "$work/dom2.html" || fail "no button to resume the queue"
echo "dashboard: 2 passed, 0 failed"
