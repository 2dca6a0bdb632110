# Sourced by .ci/start-postgres.sh and .ci/start-postgres-replica.sh: what both need.
# Set LOG_PREFIX before sourcing.

# A cluster created by these scripts (or by the package's install) takes its encoding from
# the locale: make it UTF-8 even on a minimal image whose locale is unset.
export LANG=C.UTF-8 LC_ALL=C.UTF-8

log() { echo "${LOG_PREFIX}: $*" >&2; }

# Runs a command as the postgres system user.
as_postgres() {
    if command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    else
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
}

# Whether Debian's cluster VERSION/NAME exists.
cluster_exists() {
    pg_lsclusters -h 2>/dev/null | awk -v v="$1" -v c="$2" '$1 == v && $2 == c { found = 1 } END { exit !found }'
}

# Starts Debian's cluster VERSION/NAME if it is not running and waits until it answers on
# 127.0.0.1:PORT; exits with a message if it does not. Needs BIN (the server's bin folder).
start_cluster() {
    local version=$1 name=$2 port=$3
    if ! pg_ctlcluster "$version" "$name" status >/dev/null 2>&1; then
        log "starting cluster ${version}/${name}"
        pg_ctlcluster "$version" "$name" start >&2
    fi
    for _ in $(seq 1 60); do
        if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
            return 0
        fi
        sleep 0.5
    done
    log "PostgreSQL did not come up on 127.0.0.1:${port}; see /var/log/postgresql/"
    exit 1
}
