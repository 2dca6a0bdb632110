#!/usr/bin/env bash
# Starts a streaming replica (hot standby) of the PostgreSQL cluster that
# .ci/start-postgres.sh started, for the read-replica tests, and prints the URL to export
# as AJAR_TEST_REPLICA_URL. Idempotent. Run as root after start-postgres.sh.
#
# The replica is Debian cluster <version>/replica on port AJAR_PG_REPLICA_PORT (default
# 5433), made by pg_basebackup from the primary on AJAR_PG_PORT (default 5432). The role
# `ajar` may pause and resume its replay (the tests hold a replica behind on purpose).
set -euo pipefail

PRIMARY_PORT="${AJAR_PG_PORT:-5432}"
PORT="${AJAR_PG_REPLICA_PORT:-5433}"
CLUSTER=replica
LOG_PREFIX=start-postgres-replica
# shellcheck source=postgres-common.sh
. "$(dirname "$0")/postgres-common.sh"

if [ "$(id -u)" -ne 0 ]; then
    log "must run as root"
    exit 1
fi
VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
BIN="/usr/lib/postgresql/${VERSION}/bin"
DATA="/var/lib/postgresql/${VERSION}/${CLUSTER}"

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PRIMARY_PORT"; then
    log "no primary on 127.0.0.1:${PRIMARY_PORT}: run .ci/start-postgres.sh first"
    exit 1
fi

# Functions the tests call on the standby, granted on the primary (and so replicated).
as_postgres psql -q -p "$PRIMARY_PORT" -v ON_ERROR_STOP=1 -d postgres >&2 <<'SQL'
GRANT EXECUTE ON FUNCTION pg_wal_replay_pause() TO ajar;
GRANT EXECUTE ON FUNCTION pg_wal_replay_resume() TO ajar;
SQL

standby() { [ -f "$DATA/standby.signal" ]; }

if ! cluster_exists "$VERSION" "$CLUSTER"; then
    log "creating cluster ${VERSION}/${CLUSTER} on port ${PORT}"
    pg_createcluster --port "$PORT" "$VERSION" "$CLUSTER" >&2
fi
copy_primary() {
    log "copying the primary into ${DATA} (pg_basebackup)"
    pg_ctlcluster "$VERSION" "$CLUSTER" stop >/dev/null 2>&1 || true
    rm -rf "$DATA"
    as_postgres "$BIN/pg_basebackup" -p "$PRIMARY_PORT" -D "$DATA" -R -X stream -c fast >&2
}

# Whether the standby receives the primary's WAL; waits up to 15 s for it to connect.
streaming() {
    for _ in $(seq 1 30); do
        status=$(as_postgres psql -Atq -p "$PORT" -d postgres -c 'SELECT status FROM pg_stat_wal_receiver' 2>/dev/null || true)
        if [ "$status" = "streaming" ]; then
            return 0
        fi
        sleep 0.5
    done
    return 1
}

if ! standby; then
    copy_primary
fi
start_cluster "$VERSION" "$CLUSTER" "$PORT"
# A standby that was stopped while the primary wrote a lot asks for WAL the primary has
# recycled and can never catch up: copy the primary again.
if ! streaming; then
    log "the standby on port ${PORT} does not stream from the primary (see /var/log/postgresql/)"
    copy_primary
    start_cluster "$VERSION" "$CLUSTER" "$PORT"
    if ! streaming; then
        log "the fresh standby on port ${PORT} does not stream from the primary either"
        exit 1
    fi
fi
in_recovery=$(PGPASSWORD=ajar "$BIN/psql" -Atq -h 127.0.0.1 -p "$PORT" -U ajar -d postgres -c 'SELECT pg_is_in_recovery()')
if [ "$in_recovery" != "t" ]; then
    log "the cluster on port ${PORT} is not a standby"
    exit 1
fi
# A replica left paused by an interrupted test replays again.
PGPASSWORD=ajar "$BIN/psql" -Atq -h 127.0.0.1 -p "$PORT" -U ajar -d postgres -c 'SELECT pg_wal_replay_resume()' >/dev/null
echo "postgres://ajar:ajar@127.0.0.1:${PORT}/postgres"
