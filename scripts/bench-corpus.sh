# Sourced by the API benchmarks: the release binary ($ajar) and the generated archive of
# $WORKS works ($data, target/pages-$WORKS, shared with scripts/bench-pages.sh), each made
# when missing.
WORKS="${WORKS:-1000000}"
data="target/pages-$WORKS"
ajar=target/release/ajar
[[ -x $ajar ]] || cargo build --release -p ajar --bin ajar
if [[ ! -f $data/corpus-done ]]; then
    mkdir -p "$data"
    AJAR_RATE_LIMITS=off "$ajar" --data-dir "$data" gen-corpus --works "$WORKS"
    touch "$data/corpus-done"
fi
