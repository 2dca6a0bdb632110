#!/usr/bin/env bash
# Spoiler-aware pages at archive scale (not a test): serves the spoiler benchmark's copy of
# the million-work archive (five biggest fandoms with 100-entry timelines, a quarter of
# their works linked; made by `cargo bench -p ajar-search --bench spoilers`, run here first
# when missing) with the page cache off, and times each page a reader following a canon
# meets, as a guest who has seen none of it (cookie `ajar_seen=FANDOM-0`) against the same
# page for a guest who follows nothing, in the same run. Prints p50/p99 in ms and the ratio.
#
# Usage: scripts/bench-spoilers.sh   (RUNS=50 requests per page and viewer, DATA=target/bench-spoilers)
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${DATA:-target/bench-spoilers}"
RUNS="${RUNS:-50}"
if [[ ! -f "$DATA/spoilers-done" ]]; then
    cargo bench -p ajar-search --bench spoilers -- --copy "$DATA" --runs 5
fi
cargo build --release -q -p ajar --bin ajar
ajar=target/release/ajar
port=$((20000 + RANDOM % 20000))
AJAR_PAGE_CACHE_MS=0 "$ajar" --data-dir "$DATA" serve --bind "127.0.0.1:$port" >"$DATA/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$base/" && break
    sleep 1
done

# The first fandom with a timeline, its tag id (from its page's picker), an entry and a
# work that spoils it.
fandom="$("$ajar" --data-dir "$DATA" canon list | head -1 | cut -f1)"
segment="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1].replace("/", "*s*"), safe="*()"))' "$fandom")"
id="$(curl -s "$base/tags/$segment" | grep -o 'name="fandom" value="[0-9]*"' | head -1 | grep -o '[0-9]*')"
entry="$(curl -s "$base/tags/$segment/canon" | grep -o 'href="/canon/[0-9]*"' | sed -n 50p | grep -o '[0-9]*')"
work="$(curl -s "$base/canon/$entry" | grep -o 'href="/works/[0-9]*"' | head -1 | grep -o '[0-9]*')"
echo "fandom \"$fandom\" (tag $id), entry $entry, work $work; $RUNS requests each, page cache off"
echo
echo "| page | follows nothing p50 / p99 ms | seen none of it p50 / p99 ms | ratio p50 |"
echo "|---|---:|---:|---:|"

times() { # URL COOKIE -> one time in seconds per line
    for _ in $(seq 1 "$RUNS"); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $2" "$1"
    done
}
row() { # LABEL PATH [PATH FOR THE READER WHO FOLLOWS THE CANON]
    local plain seen
    plain="$(times "$base$2" "")"
    seen="$(times "$base${3:-$2}" "ajar_seen=$id-0")"
    python3 - "$1" "$plain" "$seen" <<'PY'
import sys
label, a, b = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def q(xs, p):
    xs = sorted(float(x) * 1000 for x in xs)
    return xs[round((len(xs) - 1) * p)]
print(f"| {label} | {q(a, .5):.1f} / {q(a, .99):.1f} | {q(b, .5):.1f} / {q(b, .99):.1f} | {q(b, .5) / q(a, .5):.2f}× |")
PY
}
row "home" "/"
row "fandom's tag page (picker)" "/tags/$segment"
row "fandom's works, page 1" "/tags/$segment/works"
row "fandom's works, page 40" "/tags/$segment/works?page=40"
row "search in the fandom, by kudos" "/works/search?include_tags=$segment&sort=kudos"
row "API search in the fandom" "/api/v1/works?include_tags=$segment"
row "fandom's feed (progress in its address)" "/tags/$segment/feed.atom" "/tags/$segment/feed.atom?seen=$id-0"
row "work page (gated when seen none)" "/works/$work"
row "canon timeline (100 entries with counts)" "/tags/$segment/canon"
row "canon entry (its works)" "/canon/$entry"
row "settings (the canons followed)" "/settings"
