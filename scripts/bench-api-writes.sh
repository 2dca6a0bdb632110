#!/usr/bin/env bash
# The JSON API's writes at archive scale (not a test): posting works, chapters and comments,
# changing and deleting works through the API with a token, against reading a random work
# in the same run. Prints p50/p99 per operation.
#
# Usage: scripts/bench-api-writes.sh
#   WORKS=1000000 (default)  the archive made by scripts/bench-pages.sh (target/pages-$WORKS),
#                            generated here with `ajar gen-corpus` when missing
# Needs a release build: cargo build --release -p ajar --bin ajar
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-corpus.sh
source .ci/serve-lib.sh
name="apibench$RANDOM"
"$ajar" --data-dir "$data" user create "$name" --email "$name@example.org" > /dev/null
TOKEN=$("$ajar" --data-dir "$data" user token "$name" --scope write --label bench)
port=$((20000 + RANDOM % 20000))
AJAR_PAGE_CACHE_MS=0 AJAR_RATE_LIMITS=off "$ajar" --data-dir "$data" serve \
    --bind "127.0.0.1:$port" > "$data/serve-api-writes.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
wait_until_serving "$port" "$server" "$data/serve-api-writes.log"
BASE="http://127.0.0.1:$port" TOKEN="$TOKEN" WORKS="$WORKS" python3 scripts/bench-api-writes.py
