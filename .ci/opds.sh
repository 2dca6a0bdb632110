#!/usr/bin/env bash
# The OPDS catalogs of a live `ajar serve --demo`, each walked from its root. The 1.2 (Atom)
# catalog: every feed against the RELAX NG grammar .ci/opds12.rnc with Debian's jing, and by
# the OPDS rules that relate a feed's parts (.ci/opds1_check.py). The 2.0 (JSON) catalog: by
# The Palace Project's OPDS 2.0 parser (palace-webpub-manifest-parser, PyPI), a validator
# libraries' e-reader apps rely on (.ci/opds2_check.py). (The official OPDS 1.2 RELAX NG and
# OPDS 2.0 JSON Schema files are published on the web only, which CI machines may not reach;
# opds12.rnc is written for ajar from RFC 4287 and the OPDS 1.2 specification.)
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
/usr/bin/python3 "$(dirname "$0")/opds1_check.py" "http://127.0.0.1:$port" "$(dirname "$0")/opds12.rnc"
"$venv/bin/python" "$(dirname "$0")/opds2_check.py" "http://127.0.0.1:$port"
