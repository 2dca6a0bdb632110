#!/usr/bin/env bash
# How long moving and backing up a whole archive takes, beside the databases' own tools
# moving the same data in the same run:
#
#   ajar backup            vs  sqlite3 VACUUM INTO          (SQLite -> a new SQLite file)
#   ajar migrate --to pg   vs  pg_dump | psql of the result (rows into a fresh PostgreSQL)
#   ajar migrate --to sqlite (from that PostgreSQL)
#
# Usage: scripts/bench-transfer.sh [DATA_DIR] [--works N]
#   DATA_DIR  an archive to copy (default target/transfer-N, generated with gen-corpus if
#             missing; N defaults to 100000, --works 1000000 for the million-work figures)
# Needs a release build (cargo build --release -p ajar), sqlite3, and a PostgreSQL that
# `.ci/start-postgres.sh` starts (it does so here). Prints seconds, rows a second and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

works=100000
data=""
while [ $# -gt 0 ]; do
    case "$1" in
        --works) works="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) data="$1"; shift ;;
    esac
done
data=${data:-target/transfer-$works}
ajar=target/release/ajar
[ -x "$ajar" ] || { echo "build first: cargo build --release -p ajar" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs sqlite3 (apt-get install sqlite3)" >&2; exit 1; }

if [ ! -f "$data/ajar.db" ]; then
    echo "generating $works works into $data"
    "$ajar" --data-dir "$data" gen-corpus --works "$works"
fi

admin=$(bash .ci/start-postgres.sh | tail -n 1)
base=${admin%/*}
work=$(mktemp -d)
trap 'rm -rf "$work"; psql "$admin" -qc "DROP DATABASE IF EXISTS ajar_bench_migrate" -c "DROP DATABASE IF EXISTS ajar_bench_native" >/dev/null 2>&1 || true' EXIT
for db in ajar_bench_migrate ajar_bench_native; do
    psql "$admin" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
done

seconds() { # runs "$@", prints its wall time in seconds
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

rows=$(sqlite3 "$data/ajar.db" "SELECT SUM(n) FROM ($(sqlite3 "$data/ajar.db" \
    "SELECT group_concat('SELECT COUNT(*) AS n FROM \"' || name || '\"', ' UNION ALL ') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'"))")
size=$(du -m "$data/ajar.db" | cut -f1)
echo "archive: $data, $rows rows, $size MB"

vacuum=$(seconds sqlite3 "$data/ajar.db" "VACUUM INTO '$work/vacuum.db'")
backup=$(seconds "$ajar" --data-dir "$data" backup "$work/backup.db")
to_pg=$(seconds "$ajar" migrate --from "sqlite:$data" --to "$base/ajar_bench_migrate")
native=$(seconds sh -c "pg_dump --no-owner '$base/ajar_bench_migrate' | psql -q '$base/ajar_bench_native'")
to_sqlite=$(seconds "$ajar" --database-url "$base/ajar_bench_migrate" migrate --to "sqlite:$work/back.db")

per_sec() { echo "scale=0; $rows / $1" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
printf '%-40s %8s s %12s rows/s\n' \
    "sqlite3 VACUUM INTO (baseline)" "$vacuum" "$(per_sec "$vacuum")" \
    "ajar backup" "$backup" "$(per_sec "$backup")" \
    "pg_dump | psql (baseline)" "$native" "$(per_sec "$native")" \
    "ajar migrate sqlite -> postgres" "$to_pg" "$(per_sec "$to_pg")" \
    "ajar migrate postgres -> sqlite" "$to_sqlite" "$(per_sec "$to_sqlite")"
echo "backup / VACUUM INTO: $(ratio "$backup" "$vacuum")x the time"
echo "migrate to postgres / pg_dump|psql: $(ratio "$to_pg" "$native")x the time"
