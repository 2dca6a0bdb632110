# Sourced by the scripts that check or measure a live `ajar serve` (.ci/schemathesis.sh,
# .ci/opds.sh, scripts/bench-api-writes.sh).

# python_venv DIR REQUIREMENT MODULE: a virtualenv in DIR holding REQUIREMENT (a pip
# requirement), made unless MODULE already imports there; installs python3-venv if needed.
python_venv() {
    local venv=$1 requirement=$2 module=$3
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $module" 2>/dev/null; then
        return 0
    fi
    python3 -m venv "$venv" 2>/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        python3 -m venv "$venv"
    }
    "$venv/bin/pip" install -q "$requirement"
}

# wait_until_serving PORT PID LOG: waits (up to 5 minutes) until the server PID answers on
# 127.0.0.1:PORT; if it dies first, prints its LOG and exits 1.
wait_until_serving() {
    local port=$1 pid=$2 log=$3
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
        sleep 1
    done
    echo "the server on port $port did not answer in 5 minutes" >&2
    exit 1
}

# serve_in_background AJAR DATA PORT [ARGS...]: starts `AJAR --data-dir DATA serve --bind
# 127.0.0.1:PORT ARGS` (its log in DATA/serve.log, its pid in $server), arranges for it to
# be stopped and DATA removed when the script exits, and waits until it answers. Variables
# set before the call (AJAR_RATE_LIMITS=off serve_in_background ...) reach the server.
serve_in_background() {
    local ajar=$1 data=$2 port=$3
    shift 3
    "$ajar" --data-dir "$data" serve --bind "127.0.0.1:$port" "$@" > "$data/serve.log" 2>&1 &
    server=$!
    # shellcheck disable=SC2064 # the values now, not at exit
    trap "kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf '$data'" EXIT
    wait_until_serving "$port" "$server" "$data/serve.log"
}
