#!/usr/bin/env bash
# Page benchmark at archive scale (not a test): every route kind with the page cache off,
# for a guest and a logged-in reader with mutes and a saved filter, beside a bounded write
# load; then the hot work page with the cache on against nginx serving a saved copy of it.
# Prints p50/p99, req/s and bytes (plain and gzip/br) per route, and the server's memory.
#
# Usage: scripts/bench-pages.sh [--postgres] [bench options]
#   WORKS=1000000 (default)  the size of the generated archive, made once and reused
#                            (SQLite: target/pages-$WORKS; PostgreSQL: database ajar_pages_$WORKS)
#   --postgres               on a local PostgreSQL (started with .ci/start-postgres.sh)
#   bench options            --seconds S (per route and viewer, 8), --connections N (4),
#                            --no-writes, --only ROUTE-SUBSTRING[,...], --warm-up S (per route and
#                            viewer before measuring, 1); see crates/ajar/benches/pages.rs
# Needs: nginx for the baseline (installed with apt-get when missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."

WORKS="${WORKS:-1000000}"
args=(--works "$WORKS")
postgres=0
for arg in "$@"; do
    if [[ "$arg" == --postgres ]]; then postgres=1; else args+=("$arg"); fi
done

if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
    if [[ $(id -u) == 0 ]]; then
        echo "installing nginx" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    else
        echo "nginx is missing: the baseline is skipped (apt-get install nginx)" >&2
    fi
fi

if ((postgres)); then
    admin="$(bash .ci/start-postgres.sh)"
    db="ajar_pages_${WORKS}"
    if ! psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        psql "$admin" -qc "CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
    fi
    # Absolute: cargo runs the bench from crates/ajar.
    args+=(--database-url "${admin%/postgres}/$db" --data-dir "$PWD/target/pages-$WORKS-postgres")
fi

exec cargo bench -p ajar --bench pages -- "${args[@]}"
