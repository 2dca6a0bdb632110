#!/usr/bin/env bash
# Starts a local PostgreSQL for ajar-store's test suite and prints the URL to export as
# AJAR_TEST_DATABASE_URL. Idempotent: installs Debian's `postgresql` package when missing
# (Debian 12, as root), creates and starts a cluster when needed, and (re)creates the role
# `ajar` (password `ajar`, CREATEDB) that the tests connect as. Safe to run on a machine where
# it is already running.
#
# Usage:  eval "$(.ci/start-postgres.sh --export)"   # sets the variable
#         .ci/start-postgres.sh                      # prints the URL only
# Environment: AJAR_PG_PORT (default 5432).
set -euo pipefail

PORT="${AJAR_PG_PORT:-5432}"
CLUSTER=main
URL="postgres://ajar:ajar@127.0.0.1:${PORT}/postgres"

LOG_PREFIX=start-postgres
# shellcheck source=postgres-common.sh
. "$(dirname "$0")/postgres-common.sh"

if [ "$(id -u)" -ne 0 ]; then
    log "must run as root (it may install packages and manage the cluster as user postgres)"
    exit 1
fi

# 1. The server binaries.
if ! ls -d /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
BIN="/usr/lib/postgresql/${VERSION}/bin"

# 2. A cluster (the package normally creates `main`; some images disable that).
if ! cluster_exists "$VERSION" "$CLUSTER"; then
    log "creating cluster ${VERSION}/${CLUSTER} on port ${PORT}"
    pg_createcluster --port "$PORT" "$VERSION" "$CLUSTER" >&2
fi
CLUSTER_PORT="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { print $3 }')"
if [ "$CLUSTER_PORT" != "$PORT" ]; then
    log "cluster ${VERSION}/${CLUSTER} listens on port ${CLUSTER_PORT}, not ${PORT}; using ${CLUSTER_PORT}"
    PORT="$CLUSTER_PORT"
    URL="postgres://ajar:ajar@127.0.0.1:${PORT}/postgres"
fi

# 3. Running, listening on 127.0.0.1 (Debian's default listen_addresses is 'localhost').
start_cluster "$VERSION" "$CLUSTER" "$PORT"

# 4. The role the tests use (through the Unix socket, as the postgres superuser).
as_postgres psql -q -p "$PORT" -v ON_ERROR_STOP=1 -d postgres >&2 <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ajar') THEN
        CREATE ROLE ajar LOGIN PASSWORD 'ajar' CREATEDB;
    ELSE
        ALTER ROLE ajar LOGIN PASSWORD 'ajar' CREATEDB;
    END IF;
END
$$;
SQL

# 5. Check that password login over TCP works, as the tests will do it.
if ! PGPASSWORD=ajar "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U ajar -d postgres -c 'SELECT 1' >/dev/null; then
    log "cannot log in as ajar over TCP; check pg_hba.conf of cluster ${VERSION}/${CLUSTER}"
    exit 1
fi

if [ "${1:-}" = "--export" ]; then
    echo "export AJAR_TEST_DATABASE_URL=${URL}"
else
    echo "$URL"
fi
