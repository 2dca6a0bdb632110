#!/usr/bin/env bash
# The OPDS 2.0 catalog of a live `ajar serve --demo`, walked from its root and checked by
# The Palace Project's OPDS 2.0 parser (palace-webpub-manifest-parser, PyPI), a validator
# libraries' e-reader apps rely on: see .ci/opds2_check.py. (The OPDS 2.0 JSON Schema and the
# OPDS 1.2 RELAX NG schema are published on the web only, which this machine cannot reach;
# the 1.2 catalog is checked by crates/ajar-web/tests/opds.rs.)
#
# Usage: .ci/opds.sh PATH/TO/ajar
set -euo pipefail
ajar=$1
venv=${OPDS_VENV:-target/opds-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import webpub_manifest_parser' 2>/dev/null; then
    python3 -m venv "$venv" 2>/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        python3 -m venv "$venv"
    }
    "$venv/bin/pip" install -q 'palace-webpub-manifest-parser==4.1.0'
fi
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
"$ajar" --data-dir "$data" serve --demo --bind "127.0.0.1:$port" > "$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break
    kill -0 $server 2>/dev/null || { cat "$data/serve.log"; exit 1; }
    sleep 1
done
"$venv/bin/python" "$(dirname "$0")/opds2_check.py" "http://127.0.0.1:$port"
