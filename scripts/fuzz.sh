#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ (cargo fuzz, libFuzzer) for SECONDS_PER_TARGET seconds
# (default 60) on its corpus in fuzz/corpus/TARGET, one job at a time, and prints each
# target's executions and executions per second from libFuzzer's final stats. Crashes land
# in fuzz/artifacts/TARGET/; reproduce one with `cargo fuzz run TARGET FILE`, then make it
# an ordinary #[test] in the crate that owns the code.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Needs: a Rust toolchain; installs cargo-fuzz when missing. The stable toolchain is
# enough: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly flags, and `-s none` skips
# AddressSanitizer (not needed for safe Rust, and several times slower).
# New inputs found are added to the corpus; shrink it before committing with
# `cargo fuzz cmin -s none TARGET`.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
shift || true
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/fuzz/target}"

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build -s none

logs="$(mktemp -d)"
failed=0
printf '%-18s %12s %10s  %s\n' target executions 'exec/s' result
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    result=ok
    cargo fuzz run -s none "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=4096 >"$logs/$target.log" 2>&1 || { result="CRASH (see $logs/$target.log)"; failed=1; }
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$target.log" | grep -o '[0-9]*$' || echo '?')
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$logs/$target.log" | grep -o '[0-9]*$' || echo '?')
    printf '%-18s %12s %10s  %s\n' "$target" "$runs" "$speed" "$result"
done
exit "$failed"
