#!/usr/bin/env bash
# Memory probe (not a test): the resident memory of `ajar serve` before and after a stranger
# sends 32 concurrent 55 MB POSTs to an address no route claims, to a comment form and to the
# posting form, and then 32 concurrent 20 MB POSTs to the posting form carrying a valid guest
# token (those fit the form's limit, so only the shared body budget holds them back).
# Prints the answers' status codes and RSS / peak RSS (VmHWM) after each round.
#
# Usage: scripts/probe-body-memory.sh [path/to/ajar]   (default: the debug build, built if
#        missing). Needs curl.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${1:-${CARGO_TARGET_DIR:-target}/debug/ajar}"
if [[ ! -x "$BIN" ]]; then
    cargo build -p ajar
fi
PORT="${PORT:-18191}"
BASE="http://127.0.0.1:$PORT"
DATA="$(mktemp -d)"
"$BIN" serve --data-dir "$DATA/archive" --bind "127.0.0.1:$PORT" >"$DATA/log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do
    curl -fs -o /dev/null "$BASE/" && break
    sleep 0.2
done

mem() {
    awk '/^VmRSS/ {rss = $2} /^VmHWM/ {hwm = $2}
         END {printf "RSS %d MB, peak %d MB\n", rss / 1024, hwm / 1024}' "/proc/$PID/status"
}

# 32 POSTs at once of the file $1 to the path $2, with any further curl arguments.
attack() {
    local file="$1" path="$2"
    shift 2
    for _ in $(seq 32); do
        curl -s -o /dev/null -w '%{http_code}\n' -X POST \
            -H 'Content-Type: application/x-www-form-urlencoded' "$@" \
            --data-binary @"$file" "$BASE$path" &
    done | sort | uniq -c | tr '\n' ' ' # the pipe ends when the last curl does
    echo
}

head -c 55000000 /dev/zero | tr '\0' 'a' >"$DATA/55mb"
head -c 20000000 /dev/zero | tr '\0' 'a' >"$DATA/20mb"
echo "at start:                       $(mem)"
echo -n "55 MB x32 to /no/such/path:      "
attack "$DATA/55mb" /no/such/path
echo "                                $(mem)"
echo -n "55 MB x32 to /works/1/comments:  "
attack "$DATA/55mb" /works/1/comments
echo "                                $(mem)"
echo -n "55 MB x32 to /works/new:         "
attack "$DATA/55mb" /works/new
echo "                                $(mem)"
curl -s -c "$DATA/jar" -o "$DATA/login.html" "$BASE/login"
TOKEN="$(grep -o 'name="csrf_token" value="[^"]*"' "$DATA/login.html" | head -1 | cut -d'"' -f4)"
echo -n "20 MB x32 to /works/new, token: "
attack "$DATA/20mb" /works/new -b "$DATA/jar" -H "X-CSRF-Token: $TOKEN"
echo "                                $(mem)"
sleep 2
echo "2 s later:                      $(mem)"
