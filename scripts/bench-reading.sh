#!/usr/bin/env bash
# Reading-page benchmark (not a test): requests/s and p99 latency of ajar's work page (a
# 10,000-word chapter), a fandom listing and the home page, on a generated archive of
# WORKS works (default 10,000), next to nginx serving the same rendered work page as a
# static file, in the same run on loopback. Prints a table with the ratios.
#
# Usage: scripts/bench-reading.sh            (WORKS=10000 DURATION=10s CONNECTIONS=32)
# Needs: wrk, nginx, curl, python3 (installed with apt-get when missing, as root).
# AJAR_PAGE_CACHE_MS=0 in the environment measures ajar with its page micro-cache off.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKS="${WORKS:-10000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
AJAR_PORT="${AJAR_PORT:-18181}"
NGINX_PORT="${NGINX_PORT:-18182}"

need() {
    local missing=()
    for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
    if ((${#missing[@]})); then
        echo "installing ${missing[*]}" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
need wrk nginx curl
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

WORK_DIR="$(mktemp -d /tmp/ajar-bench.XXXXXX)"
chmod 755 "$WORK_DIR"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT

echo "== building ajar (release)"
cargo build --release -q -p ajar
AJAR=target/release/ajar
DATA="$WORK_DIR/data"

echo "== generating $WORKS works"
"$AJAR" --data-dir "$DATA" gen-corpus --works "$WORKS" >/dev/null

echo "== importing one work with a 10,000-word chapter"
python3 - "$WORK_DIR/ten-thousand.txt" <<'PY'
import random, sys
random.seed(7)
words = ("the a rain window coffee letter road night morning she he they said asked quiet "
         "station river kitchen table light door paper hands softly again never always "
         "before after because almost nothing everything remember forgot town winter").split()
paragraphs, count = [], 0
while count < 10000:
    n = min(random.randint(40, 120), 10000 - count)
    sentence = " ".join(random.choice(words) for _ in range(n))
    paragraphs.append(sentence[0].upper() + sentence[1:] + ".")
    count += n
header = ("Title: Ten Thousand Words\n\nAuthor: bench writer\n\nFandom: Gilmore Girls\n\n"
          "Rating: Teen And Up Audiences\n\nSummary: One long chapter for the benchmark. One-Parter.\n\n")
open(sys.argv[1], "w").write(header + "\n\n".join(paragraphs) + "\n")
PY
"$AJAR" --data-dir "$DATA" import "$WORK_DIR/ten-thousand.txt" >/dev/null

read -r WORK_ID FANDOM_PATH FANDOM_WORKS < <(python3 - "$DATA/ajar.db" <<'PY'
import sqlite3, sys, urllib.parse
db = sqlite3.connect(sys.argv[1])
work = db.execute("SELECT id FROM works WHERE title = 'Ten Thousand Words' ORDER BY id DESC").fetchone()[0]
name, n = db.execute(
    "SELECT t.name, COUNT(*) AS n FROM tags t JOIN work_tags wt ON wt.tag_id = t.id "
    "WHERE t.kind = 'fandom' GROUP BY t.id ORDER BY n DESC LIMIT 1").fetchone()
for plain, star in (("/", "*s*"), ("&", "*a*"), (".", "*d*"), ("?", "*q*"), ("#", "*h*")):
    name = name.replace(plain, star)
print(work, "/tags/" + urllib.parse.quote(name, safe="-_~*'()!") + "/works", n)
PY
)
TOTAL_WORKS=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM works').fetchone()[0])" "$DATA/ajar.db")

echo "== starting ajar serve on 127.0.0.1:$AJAR_PORT"
"$AJAR" --data-dir "$DATA" serve --bind "127.0.0.1:$AJAR_PORT" >"$WORK_DIR/ajar.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 600); do
    curl -fs -o /dev/null "http://127.0.0.1:$AJAR_PORT/" && break
    sleep 0.5
done
curl -fs -o /dev/null "http://127.0.0.1:$AJAR_PORT/" || { cat "$WORK_DIR/ajar.log"; exit 1; }

echo "== saving the rendered work page for nginx"
mkdir -p "$WORK_DIR/static"
curl -fs "http://127.0.0.1:$AJAR_PORT/works/$WORK_ID" -o "$WORK_DIR/static/work.html"
chmod -R a+rX "$WORK_DIR/static"
cat >"$WORK_DIR/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $WORK_DIR/nginx.pid;
error_log $WORK_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $WORK_DIR/nginx-body;
    proxy_temp_path $WORK_DIR/nginx-proxy;
    fastcgi_temp_path $WORK_DIR/nginx-fastcgi;
    uwsgi_temp_path $WORK_DIR/nginx-uwsgi;
    scgi_temp_path $WORK_DIR/nginx-scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK_DIR/static;
        location / { default_type text/html; }
    }
}
NGINX
nginx -c "$WORK_DIR/nginx.conf" -e "$WORK_DIR/nginx-error.log" &
PIDS+=($!)
for _ in $(seq 1 50); do
    curl -fs -o /dev/null "http://127.0.0.1:$NGINX_PORT/work.html" && break
    sleep 0.1
done

WORK_BYTES=$(wc -c <"$WORK_DIR/static/work.html")
echo "work page: /works/$WORK_ID ($WORK_BYTES bytes); fandom listing: $FANDOM_PATH ($FANDOM_WORKS works); archive: $TOTAL_WORKS works"

# wrk's summary -> "requests_per_second p99_ms"
measure() {
    local url="$1" out
    curl -fs -o /dev/null "$url"   # warm up, and fail early on a bad URL
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
    echo "$out" >>"$WORK_DIR/wrk.log"
    python3 - "$out" <<'PY'
import re, sys
text = sys.argv[1]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
value, unit = float(m.group(1)), m.group(2)
ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit(f"{errors.group(1)} error responses:\n{text}")
print(f"{rps:.0f} {ms:.2f}")
PY
}

echo "== measuring (wrk -t$THREADS -c$CONNECTIONS -d$DURATION, one after another; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
read -r NGINX_RPS NGINX_P99 < <(measure "http://127.0.0.1:$NGINX_PORT/work.html")
read -r WORK_RPS WORK_P99 < <(measure "http://127.0.0.1:$AJAR_PORT/works/$WORK_ID")
read -r LIST_RPS LIST_P99 < <(measure "http://127.0.0.1:$AJAR_PORT$FANDOM_PATH")
read -r HOME_RPS HOME_P99 < <(measure "http://127.0.0.1:$AJAR_PORT/")

echo
printf '%-34s %12s %10s %16s\n' "page" "requests/s" "p99 ms" "vs nginx static"
row() { printf '%-34s %12s %10s %16s\n' "$1" "$2" "$3" "$(python3 -c "print(f'{$2/$NGINX_RPS:.2f}x')")"; }
row "nginx: static work page" "$NGINX_RPS" "$NGINX_P99"
row "ajar: work page (10,000 words)" "$WORK_RPS" "$WORK_P99"
row "ajar: fandom listing" "$LIST_RPS" "$LIST_P99"
row "ajar: home page" "$HOME_RPS" "$HOME_P99"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews all rows alike)"
python3 - "$NGINX_RPS" "$WORK_RPS" "$LIST_RPS" <<'PY'
import sys
nginx, work, listing = map(float, sys.argv[1:])
print(f"targets: work page >= 0.5x nginx: {'met' if work >= nginx / 2 else 'NOT met'} ({work / nginx:.2f}x); "
      f"listing >= 1/3 of nginx: {'met' if listing >= nginx / 3 else 'NOT met'} ({listing / nginx:.2f}x)")
PY
