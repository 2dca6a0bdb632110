#!/usr/bin/env bash
# The JSON API against its own OpenAPI description, as schemathesis (PyPI) sees it: a live
# `ajar serve --demo` and a personal access token with the write scope; no server error, no
# answer outside the description (status codes, content types, headers, bodies), no operation
# that works without its credentials. Not checked: whether every value outside a documented
# enum is refused and every string inside one accepted (negative_data_rejection,
# positive_data_acceptance): the search API reads filters as leniently as the search form
# (yes/true/on, any case) and refuses a query with no words in it with a message. Nor
# ensure_resource_availability: its inferred links take every operation with a work `{id}`
# for a read of the work just posted, and a new work's bookmark (`GET .../bookmark`) is
# rightly not found until someone makes it; that a posted work reads back is what
# tests/api_script.rs checks, on both stores.
#
# Usage: .ci/schemathesis.sh PATH/TO/ajar
set -euo pipefail
ajar=$1
# shellcheck source=serve-lib.sh
. "$(dirname "$0")/serve-lib.sh"
venv=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
python_venv "$venv" 'schemathesis==4.32.5' schemathesis
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
"$ajar" --data-dir "$data" user create apibot --email apibot@example.org > /dev/null
token=$("$ajar" --data-dir "$data" user token apibot --scope write --label schemathesis)
# Limits off: thousands of requests a minute is the point here (429 is described all the same).
AJAR_RATE_LIMITS=off serve_in_background "$ajar" "$data" "$port" --demo
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks all --exclude-checks negative_data_rejection,positive_data_acceptance,ensure_resource_availability \
    --max-examples 100 --seed 1
