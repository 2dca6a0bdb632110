#!/usr/bin/env bash
# Several `ajar serve` nodes on one PostgreSQL, measured (not a test): for 1, 2 and 3 nodes
# on this machine, each route kind is loaded on every node at once with wrk (page cache off,
# rate limits off) and the sum of req/s and the worst node's p50/p99 are printed, with how
# busy the machine was and PostgreSQL's share (from its processes' CPU times: approximate,
# since backends that end meanwhile drop out), so the figures say where the limit is.
#
# Usage: scripts/bench-nodes.sh DATABASE_URL [--seconds S] [--nodes "1 2 3"] [--replica URL]
#   DATABASE_URL  a PostgreSQL database holding an archive (e.g. one `ajar migrate` filled
#                 from a `gen-corpus --works 1000000` archive)
#   --replica URL  a streaming replica of that database: every node reads pages from it
#                 (`--database-replica-url`), to compare with a run without
# Needs a release build, wrk (apt-get install wrk) and psql. Each node keeps its search
# index in target/nodes/nodeK (built on its first start, reused after).
set -euo pipefail
cd "$(dirname "$0")/.."

url="${1:?usage: scripts/bench-nodes.sh DATABASE_URL [--seconds S] [--nodes LIST]}"
shift
seconds=10
counts="1 2 3"
replica_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --nodes) counts="$2"; shift 2 ;;
        --replica) replica_args=(--database-replica-url "$2"); shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
ajar=$PWD/target/release/ajar
[ -x "$ajar" ] || { echo "build first: cargo build --release -p ajar" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

mkdir -p target/nodes
max_id=$(psql "$url" -tAc "SELECT MAX(id) FROM works")
fandoms=$(psql "$url" -tAc "SELECT name FROM tags WHERE kind = 'fandom' ORDER BY id LIMIT 200" |
    python3 -c 'import sys, urllib.parse; print(",".join(chr(34) + urllib.parse.quote(l.strip()) + chr(34) for l in sys.stdin if l.strip()))')
# A writer for the write load: an account and a token (made once, kept in target/nodes).
if [ ! -f target/nodes/token ]; then
    "$ajar" --database-url "$url" --data-dir target/nodes/cli user create bench-writer \
        --email bench-writer@example.org >/dev/null 2>&1 || true
    "$ajar" --database-url "$url" --data-dir target/nodes/cli user token bench-writer \
        --scope write | tail -n 1 >target/nodes/token
fi
token=$(cat target/nodes/token)

lua=target/nodes/routes.lua
cat >"$lua" <<EOF
-- One route kind per run, chosen by ROUTE; ids and fandoms picked at random.
local route = os.getenv("ROUTE")
local fandoms = { $fandoms }
local words = { "coffee", "bridge", "night", "letters", "snow", "rain", "library" }
math.randomseed(os.time() + (tonumber(os.getenv("SEED")) or 0))
request = function()
  local id = math.random(1, $max_id)
  if route == "work" then
    return wrk.format("GET", "/works/" .. id)
  elseif route == "tag listing" then
    return wrk.format("GET", "/tags/" .. fandoms[math.random(#fandoms)] .. "/works")
  elseif route == "search" then
    return wrk.format("GET", "/works/search?q=" .. words[math.random(#words)])
  elseif route == "api works" then
    return wrk.format("GET", "/api/v1/works?include_tags=" .. fandoms[math.random(#fandoms)])
  elseif route == "comment (write)" then
    return wrk.format("POST", "/api/v1/works/" .. id .. "/comments",
      { ["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json" },
      '{"chapter": 1, "body": "Read on one node, written through another."}')
  end
end
EOF

pids=()
stop_nodes() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap stop_nodes EXIT

start_node() { # start_node K: starts node K and waits until it listens (its address in
    # target/nodes/nodeK.out)
    local k=$1 out=target/nodes/node$1.out
    rm -f "$out"
    AJAR_PAGE_CACHE_MS=0 AJAR_RATE_LIMITS=off "$ajar" --database-url "$url" \
        --data-dir "target/nodes/node$k" serve --bind "127.0.0.1:0" ${replica_args[@]+"${replica_args[@]}"} >"$out" 2>"target/nodes/node$k.err" &
    pids+=($!)
    for _ in $(seq 1 1200); do
        if grep -q "serving the archive at" "$out" 2>/dev/null; then
            return
        fi
        sleep 0.5
    done
    echo "node $k did not start: $(tail -n 3 "target/nodes/node$k.err")" >&2
    exit 1
}

pg_cpu() { # CPU seconds PostgreSQL's processes have used so far
    ps -C postgres -o times= | awk '{ s += $1 } END { print s + 0 }'
}

busy() { # "busy total" jiffies of the whole machine so far
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat
}

# Every node is started once (each builds or catches up its index) and stays up; a run with
# n nodes loads the first n of them.
most=$(echo $counts | tr ' ' '\n' | sort -n | tail -n 1)
addresses=()
for k in $(seq 1 "$most"); do
    start_node "$k"
    addresses+=("$(grep -o "http://[0-9.:]*" "target/nodes/node$k.out" | head -n 1)")
done

printf '%-6s %-16s %10s %9s %9s %8s %8s %8s\n' nodes route "req/s" "p50 ms" "p99 ms" "cpu" "pg cpu" "not 2xx"
for n in $counts; do
    for route in "work" "tag listing" "search" "api works" "comment (write)"; do
        before=$(pg_cpu)
        machine_before=$(busy)
        outs=()
        for k in $(seq 1 "$n"); do
            out=target/nodes/wrk$k.txt
            outs+=("$out")
            ROUTE="$route" SEED="$k" wrk -t1 -c8 -d"${seconds}s" --latency -s "$lua" \
                "${addresses[$((k - 1))]}" >"$out" 2>&1 &
        done
        wait $(jobs -p | tail -n "$n")
        after=$(pg_cpu)
        machine_after=$(busy)
        python3 - "$n" "$route" "$seconds" "$before" "$after" "$machine_before" "$machine_after" "${outs[@]}" <<'PY'
import re, sys
n, route, seconds, before, after = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
mb, mt = (float(x) for x in sys.argv[6].split())
ab, at = (float(x) for x in sys.argv[7].split())
files = sys.argv[8:]
def ms(text, pct):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)" % pct, text, re.M)
    if not m: return float("nan")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps, p50, p99, bad = 0.0, 0.0, 0.0, 0
for f in files:
    t = open(f).read()
    m = re.search(r"Requests/sec:\s+([\d.]+)", t)
    rps += float(m.group(1)) if m else 0
    p50, p99 = max(p50, ms(t, 50)), max(p99, ms(t, 99))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
    bad += int(m.group(1)) if m else 0
machine = 100 * (ab - mb) / max(at - mt, 1)
print("%-6s %-16s %10.0f %9.1f %9.1f %7.0f%% %7.0f%% %8d" % (n, route, rps, p50, p99, machine, 100 * (after - before) / seconds / 2, bad))
PY
    done
done
# How long a work posted on node 1 takes to be found by search on node 2 (the follower is
# woken by PostgreSQL's NOTIFY), over 20 works: a median and the worst.
if [ "$most" -ge 2 ]; then
    python3 - "${addresses[0]}" "${addresses[1]}" "$token" <<'PY'
import json, sys, time, urllib.request
a, b, token = sys.argv[1:4]
seen = []
for n in range(20):
    word = "Visibility%dx%d" % (int(time.time()), n)
    work = {"title": word, "fandoms": ["Bench Nodes"], "rating": "teen", "warnings": ["none"],
            "language": "English", "format": "markdown",
            "chapters": [{"body": "Posted on one node, searched on another."}]}
    request = urllib.request.Request(a + "/api/v1/works", data=json.dumps(work).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
    posted = time.monotonic()
    while True:
        body = urllib.request.urlopen(b + "/api/v1/works?q=title:" + word.lower()).read()
        if json.loads(body)["total"] >= 1:
            seen.append((time.monotonic() - posted) * 1000)
            break
        if time.monotonic() - posted > 10:
            seen.append(float("inf"))
            break
        time.sleep(0.002)
seen.sort()
print("posted on node 1, found by search on node 2: median %.1f ms, worst %.1f ms (20 works)" % (seen[10], seen[-1]))
PY
fi
for k in $(seq 1 "$most"); do
    echo "node $k resident set: $(( $(ps -o rss= -p "${pids[$((k - 1))]}") / 1024 )) MB"
done
