#!/usr/bin/env bash
# The API's cursor pagination at archive scale (not a test): a reader with READINGS works in
# their history (default 200,000) on the generated archive; GET /api/v1/history at growing
# depths by page number (an offset) and by cursor (a keyset), against page 1 in the same
# run. Prints p50/p99 per depth and the ratio to page 1.
#
# Usage: scripts/bench-api-cursors.sh
#   WORKS=1000000 (default)  the archive made by scripts/bench-pages.sh (target/pages-$WORKS),
#                            generated here with `ajar gen-corpus` when missing
#   READINGS=200000          the bench reader's history
# Needs a release build: cargo build --release -p ajar --bin ajar
set -euo pipefail
cd "$(dirname "$0")/.."
READINGS="${READINGS:-200000}"
source scripts/bench-corpus.sh
name="cursorbench$RANDOM"
"$ajar" --data-dir "$data" user create "$name" --email "$name@example.org" > /dev/null
TOKEN=$("$ajar" --data-dir "$data" user token "$name" --scope read --label bench)
# The history, written straight into the database before the server starts.
python3 - "$data/ajar.db" "$name" "$READINGS" <<'PY'
import sqlite3, sys
db, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(db)
(user,) = c.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
# One reading a second back from 2026-01-01, two works a second (ties the keyset breaks by
# work id); times written as the store writes them (RFC 3339, no fraction for whole seconds).
c.execute(
    "INSERT OR IGNORE INTO readings (user_id, work_id, last_chapter, visits, later, visited_at) "
    "SELECT ?, id, 1, 1, 0, strftime('%Y-%m-%dT%H:%M:%S', '2026-01-01', '-' || (id / 2) || ' seconds') || '+00:00' "
    "FROM works WHERE id <= ?", (user, n))
c.commit()
PY
port=$((20000 + RANDOM % 20000))
AJAR_PAGE_CACHE_MS=0 AJAR_RATE_LIMITS=off "$ajar" --data-dir "$data" serve \
    --bind "127.0.0.1:$port" > "$data/serve-api-cursors.log" 2>&1 &
server=$!
cleanup() {
    kill $server 2>/dev/null; wait $server 2>/dev/null || true
    # The bench reader's history goes again: it is not part of the archive.
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM readings WHERE user_id IN (SELECT id FROM users WHERE name LIKE ?)", ("cursorbench%",)); c.commit()' "$data/ajar.db"
}
trap cleanup EXIT
for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/login" > /dev/null && break
    kill -0 $server 2>/dev/null || { cat "$data/serve-api-cursors.log"; exit 1; }
    sleep 1
done
BASE="http://127.0.0.1:$port" TOKEN="$TOKEN" READINGS="$READINGS" python3 - <<'PY'
import base64, json, os, statistics, time, urllib.request
base, token, n = os.environ["BASE"], os.environ["TOKEN"], int(os.environ["READINGS"])
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = json.loads(r.read())
    return (time.perf_counter() - start) * 1000, body
def timed(path, runs=21):
    times = sorted(get(path)[0] for _ in range(runs))
    return statistics.median(times), times[int(len(times) * 0.99) - 1 if len(times) > 1 else 0]
first_ms, first = get("/api/v1/history")
assert first["total"] >= n * 0.99, first["total"]
base_p50, _ = timed("/api/v1/history")
print(f"history of {first['total']:,} works; page 1: p50 {base_p50:.2f} ms")
print(f"{'depth':>9} {'page= p50':>10} {'p99':>8} {'ratio':>6}   {'cursor= p50':>11} {'p99':>8} {'ratio':>6}")
for depth in [20, 1_000, 10_000, 100_000, n - 20]:
    page = depth // 20 + 1
    p50, p99 = timed(f"/api/v1/history?page={page}")
    # The cursor of the work just before this depth, as the page before would give it.
    _, before = get(f"/api/v1/history?page={page - 1}")
    cursor = before["next_cursor"]
    c50, c99 = timed(f"/api/v1/history?cursor={cursor}")
    _, by_page = get(f"/api/v1/history?page={page}")
    _, by_cursor = get(f"/api/v1/history?cursor={cursor}")
    same = [w["id"] for w in by_page["works"]] == [w["id"] for w in by_cursor["works"]]
    print(f"{depth:>9,} {p50:>10.2f} {p99:>8.2f} {p50 / base_p50:>6.1f}   {c50:>11.2f} {c99:>8.2f} {c50 / base_p50:>6.1f}   {'same works' if same else 'DIFFERENT WORKS'}")
PY
