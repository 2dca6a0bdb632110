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
# shellcheck source=serve-lib.sh
. "$(dirname "$0")/serve-lib.sh"
venv=${OPDS_VENV:-target/opds-venv}
python_venv "$venv" 'palace-webpub-manifest-parser==4.1.0' webpub_manifest_parser
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
serve_in_background "$ajar" "$data" "$port" --demo
"$venv/bin/python" "$(dirname "$0")/opds2_check.py" "http://127.0.0.1:$port"
