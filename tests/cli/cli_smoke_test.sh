#!/usr/bin/env bash
# The jobmesh binary as a user meets it: help, bad flags (exit 2, flag named), bad config
# (exit 2, key named), and `serve` printing its URL, refusing what a foreign web page could send
# and answering a submission over curl.
# Waits are bounded polls; the server is stopped by its pid.
set -euo pipefail
bin=${JOBMESH_BIN:?JOBMESH_BIN must name the jobmesh binary}
source "$(dirname "$0")/shell_test_lib.sh"

"$bin" --help | grep -q "serve" || fail "--help does not list serve"
for cmd in serve migrate match generate bench token; do
  "$bin" "$cmd" --help >/dev/null || fail "$cmd --help"
done

set +e
out=$("$bin" serve --no-such-flag 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "bad flag exited $code, not 2"
grep -q -- "--no-such-flag" <<<"$out" || fail "bad flag message does not name the flag: $out"
# A flag or command nobody knows is named even when another problem (a required flag missing)
# comes first in CLI11's own checks.
set +e
out=$("$bin" match --bogus-flag 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "match --bogus-flag exited $code, not 2"
grep -q -- "unknown flag --bogus-flag" <<<"$out" || fail "match --bogus-flag is not named: $out"
set +e
out=$("$bin" nosuchcmd 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "an unknown command exited $code, not 2"
grep -q -- "unknown command 'nosuchcmd'" <<<"$out" || fail "the unknown command is not named: $out"
set +e
out=$("$bin" generate --postings 5 --candidates 5 --seed -1 --out "$work/neg" 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "generate --seed -1 exited $code, not 2 (a negative seed wrapped around)"
grep -q -- "--seed" <<<"$out" || fail "the negative seed is not named: $out"
# Integer flags are decimal, as written: a leading zero is no octal prefix (CLI11 alone read
# 010 as 8), and a hex or exponent form is refused, named.
"$bin" generate --postings 010 --candidates 08 --seed 1 --out "$work/dec" >/dev/null 2>&1 || fail "generate --postings 010"
[ "$(wc -l <"$work/dec/postings.ndjson")" -eq 10 ] || fail "--postings 010 did not generate 10 postings"
[ "$(wc -l <"$work/dec/candidates.ndjson")" -eq 8 ] || fail "--candidates 08 did not generate 8 candidates"
for bad in 0x10 1e3 12abc; do
  set +e
  out=$("$bin" generate --postings "$bad" --candidates 5 --out "$work/hex" 2>&1); code=$?
  set -e
  [ "$code" -eq 2 ] || fail "generate --postings $bad exited $code, not 2"
  grep -q -- "--postings: '$bad' is not a whole number in decimal digits" <<<"$out" || fail "--postings $bad is not named: $out"
done

# The submit suite's connection counts: a list, each in range, named when not.
for bad in 0 "" "64,x"; do
  set +e
  out=$("$bin" bench submit --connections "$bad" --work-dir "$work/sub" 2>&1); code=$?
  set -e
  [ "$code" -eq 2 ] || fail "bench submit --connections '$bad' exited $code, not 2"
  grep -q -- "--connections" <<<"$out" || fail "bench submit --connections '$bad' is not named: $out"
done

set +e
out=$(JOBMESH_SERVER_PORT=eighty "$bin" serve --db "sqlite:$work/j.db" 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "bad config exited $code, not 2"
grep -q "JOBMESH_SERVER_PORT" <<<"$out" || fail "bad config message does not name the variable: $out"

# A profile whose weights do not sum to 1 stops serve at start, named (it logged and served on).
printf '{"matching":{"profiles":{"lopsided":{"skills":0.5,"category":0.4}}}}' >"$work/lopsided.json"
set +e
out=$(timeout 20 "$bin" serve --config "$work/lopsided.json" --db "sqlite:$work/j.db" 2>&1); code=$?  # one that served would be stopped
set -e
[ "$code" -eq 2 ] || fail "serve with a profile summing to 0.9 exited $code, not 2"
grep -q "matching.profiles: profile 'lopsided': weights must sum to 1" <<<"$out" || fail "the bad profile is not named: $out"

"$bin" migrate --db "sqlite:$work/m.db" | grep -q "schema version 13" || fail "migrate"

# Exposure: no listening beyond loopback without auth (it exits before it binds anything).
set +e
out=$("$bin" serve --listen 0.0.0.0:0 --db "sqlite:$work/x.db" 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "serve on 0.0.0.0 with auth off exited $code, not 2"
grep -q 'auth.mode "off"' <<<"$out" || fail "the refusal does not say why: $out"
set +e
out=$(JOBMESH_AUTH_MODE=jwt JOBMESH_AUTH_SECRET=short "$bin" serve --db "sqlite:$work/x.db" 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "serve with a short secret exited $code, not 2"
grep -q "at least 32 characters" <<<"$out" || fail "the short secret's refusal does not give the length: $out"
set +e
out=$(JOBMESH_AUTH_SECRET=0123456789abcdef "$bin" token --sub alice --role admin 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "token with a 16-character secret exited $code, not 2 (no server would accept it)"
grep -q "at least 32 characters" <<<"$out" || fail "token's short-secret refusal does not give the length: $out"

# Tokens: three dot-separated parts, signed with the configured secret; a bad role is exit 2.
token=$(JOBMESH_AUTH_SECRET=0123456789abcdef0123456789abcdef "$bin" token --sub alice --role admin --ttl 1h)
[ "$(tr -cd . <<<"$token" | wc -c)" -eq 2 ] || fail "token is not a JWT: $token"
set +e
out=$(JOBMESH_AUTH_SECRET=0123456789abcdef0123456789abcdef "$bin" token --sub alice --role boss 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "token --role boss exited $code, not 2"
set +e
out=$(JOBMESH_AUTH_SECRET=0123456789abcdef0123456789abcdef "$bin" token --sub alice --ttl 1week 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "token --ttl 1week exited $code, not 2"
grep -q -- "--ttl" <<<"$out" || fail "the --ttl refusal does not name it: $out"

"$bin" generate --postings 60 --candidates 40 --seed 3 --out "$work/data" >/dev/null || fail "generate"
"$bin" match --postings "$work/data/postings.ndjson" --candidates "$work/data/candidates.ndjson" \
  --top-k 5 --out "$work/top.ndjson" 2>/dev/null || fail "match"
[ "$(wc -l <"$work/top.ndjson")" -eq 40 ] || fail "match wrote $(wc -l <"$work/top.ndjson") lines, not 40"
set +e
out=$("$bin" match --postings "$work/data/postings.ndjson" --candidates "$work/data/candidates.ndjson" \
  --profile nope --out "$work/x.ndjson" 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "unknown profile exited $code, not 2"
grep -q "unknown profile 'nope'" <<<"$out" || fail "unknown profile message: $out"
# A file whose every line is rejected is an error (1), named; some lines rejected are not.
printf '{"id":"x"\n' >"$work/broken.ndjson"
set +e
out=$("$bin" match --postings "$work/broken.ndjson" --candidates "$work/data/candidates.ndjson" \
  --out "$work/x.ndjson" 2>&1); code=$?
set -e
[ "$code" -eq 1 ] || fail "a postings file of rejected lines exited $code, not 1"
grep -q "broken.ndjson: every line was rejected" <<<"$out" || fail "the all-rejected message: $out"
{ cat "$work/data/postings.ndjson"; printf '{"id":"x"\n'; } >"$work/some-broken.ndjson"
"$bin" match --postings "$work/some-broken.ndjson" --candidates "$work/data/candidates.ndjson" \
  --top-k 5 --out "$work/some.ndjson" 2>/dev/null || fail "match with one rejected line of 61"
[ "$(wc -l <"$work/some.ndjson")" -eq 40 ] || fail "match with one rejected line wrote $(wc -l <"$work/some.ndjson") lines"

start_serve "$work/out.log" --db "sqlite:$work/j.db"
# The allocator the build links (release: jemalloc on huge pages), as the server names it.
allocator=${JOBMESH_EXPECT_ALLOCATOR:?JOBMESH_EXPECT_ALLOCATOR must say which allocator the build links}
grep -q "memory allocator: $allocator\$" "$work/out.log" ||
  fail "the server's log does not name the allocator '$allocator': $(grep 'memory allocator' "$work/out.log")"

submission='{"type":"sleep","params":{"items":5,"ms_per_item":10}}'
# What a page on another site can send without asking first: curl's default form type, a
# text/plain POST from a foreign origin, a DNS name rebound to 127.0.0.1. None is taken.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${url}api/v1/jobs" -d "$submission")
[ "$code" = "415" ] || fail "a form-encoded submit answered $code, not 415"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${url}api/v1/jobs" -H 'Origin: http://evil.example' \
  -H 'Content-Type: application/json' -d "$submission")
[ "$code" = "403" ] || fail "a submit from a foreign origin answered $code, not 403"
code=$(curl -s -o /dev/null -w '%{http_code}' "${url}api/v1/jobs" -H 'Host: rebound.example')
[ "$code" = "403" ] || fail "a request for another host answered $code, not 403"
[ "$(curl -s "${url}api/v1/jobs" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))')" = "0" ] ||
  fail "a refused submit stored a job"
reply=$(curl -s -w ' %{http_code}' -X POST "${url}api/v1/jobs" -H 'Content-Type: application/json' -d "$submission")
[ "${reply##* }" = "202" ] || fail "submit answered ${reply##* }"
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1].rsplit(" ",1)[0])["id"])' "$reply")
await_status "$id" completed

# One process per SQLite database: a second serve on the same file exits 1, names the holder's
# pid, and changes nothing (the file's bytes and the first server's answers stay the same).
before=$(cksum <"$work/j.db")
set +e
out=$("$bin" serve --listen 127.0.0.1:0 --db "sqlite:$work/j.db" 2>&1); code=$?
set -e
[ "$code" = "1" ] || fail "a second serve on the same database exited $code: $out"
grep -q "in use by process $server_pid" <<<"$out" || fail "the second serve did not name pid $server_pid: $out"
[ "$(cksum <"$work/j.db")" = "$before" ] || fail "the second serve changed the database"
again=$(curl -s "${url}api/v1/jobs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
[ "$again" = "completed" ] || fail "after the second serve the job reads '$again'"

kill -TERM "$server_pid"
wait "$server_pid" || fail "serve did not exit cleanly on SIGTERM"
server_pid=""
grep -q "running -> completed" "$work/out.log" || fail "no state-change log line"
echo "cli smoke: 1 passed, 0 failed"
