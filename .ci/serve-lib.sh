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
