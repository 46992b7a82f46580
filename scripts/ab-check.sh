#!/usr/bin/env bash
# A/B of two socred binaries on the check path: two servers side by side, each
# on its own copy of the HTTP bench's store, wrk alternating between them
# (POST /api/v1/checks, random subjects, 2 s a turn). Prints each pair and the
# median ratio B/A. Adjacent turns share the machine's drift, so the ratio is
# steadier than two separate bench runs.
#
#   scripts/ab-check.sh OLD_BINARY NEW_BINARY [PAIRS]
#
# Needs the store `cargo bench -p socred-server --bench http` generates, wrk and sqlite3.
set -euo pipefail
a=$1; b=$2; pairs=${3:-20}
store="$(dirname "$0")/../target/bench-data/http-1000000.db"
[ -f "$store" ] || { echo "no $store: run cargo bench -p socred-server --bench http once" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cp "$store" "$work/a.db"
"$a" --db "$work/a.db" account add --username ab-airline --role provider --service civil-aviation >/dev/null
token=$("$a" --db "$work/a.db" token issue --username ab-airline --json | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "could not issue a token" >&2; exit 1; }
cp "$work/a.db" "$work/b.db"
{
    echo "local ids = {"
    sqlite3 "$work/a.db" "SELECT '\"' || id || '\",' FROM subjects WHERE key % 50 = 0 LIMIT 20000"
    echo "}"
    cat <<LUA
math.randomseed(11)
for i = #ids, 2, -1 do local j = math.random(i); ids[i], ids[j] = ids[j], ids[i] end
local requests = {}
for i, id in ipairs(ids) do
  requests[i] = wrk.format("POST", "/api/v1/checks", { ["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json" }, '{"subject":"' .. id .. '","service":"civil-aviation"}')
end
local n = 0
request = function() n = n % #requests + 1; return requests[n] end
LUA
} > "$work/check.lua"
"$a" --db "$work/a.db" serve --addr 127.0.0.1:18180 >"$work/a.log" 2>&1 &
"$b" --db "$work/b.db" serve --addr 127.0.0.1:18181 >"$work/b.log" 2>&1 &
for port in 18180 18181; do
    for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
done
turn() { wrk -t2 -c32 -d2s -s "$work/check.lua" "http://127.0.0.1:$1" | awk '/Requests\/sec/{print $2}'; }
turn 18180 >/dev/null; turn 18181 >/dev/null
for i in $(seq 1 "$pairs"); do
    if [ $((i % 2)) = 0 ]; then ra=$(turn 18180); rb=$(turn 18181); else rb=$(turn 18181); ra=$(turn 18180); fi
    echo "$ra $rb"
done | awk '{ r = $2 / $1; printf "A %8.0f  B %8.0f  B/A %.3f\n", $1, $2, r; ratios[NR] = r; sa += $1; sb += $2 }
    END { n = asort(ratios); printf "median B/A %.3f (quartiles %.3f – %.3f), all requests B/A %.3f\n", ratios[int((n + 1) / 2)], ratios[int(n / 4) + 1], ratios[int(3 * n / 4)], sb / sa }'
