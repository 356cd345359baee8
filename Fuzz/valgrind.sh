#!/usr/bin/env bash
# Fuzz/valgrind.sh: run oracle-heavy commands under valgrind and fail on any definitely or
# indirectly lost block (the oracle's GMP rationals must free what they allocate). Swift runtime
# metadata caches show as "possibly lost" / "still reachable" and are not counted, nor is the one
# "uninitialised value" report inside swift_initStructMetadata (the runtime's, not ours).
set -euo pipefail
cd "$(dirname "$0")/.."
# The release binary that `swift test -c release` built, when no source is newer (in CI it just
# was); otherwise a build. (`swift build` and `swift test` use different settings, so either
# command after the other rebuilds every module: about 3 minutes on 2 cores.)
if [ ! -x .build/release/minifloat ] || [ -n "$(find Sources Package.swift -newer .build/release/minifloat -print -quit)" ]; then
    swift build -c release --product minifloat >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy without debug information: valgrind 3.19 (Debian 12) gives up on the DWARF 5 that clang
# writes for the C target (CMinifloatKernels); the leak counts need only the symbol table.
bin="$work/minifloat"
strip --strip-debug -o "$bin" .build/release/minifloat
status=0
run() {
    local log="$work/valgrind.log"
    valgrind --leak-check=full --log-file="$log" "$bin" "$@" > /dev/null || true
    if ! grep -q "ERROR SUMMARY" "$log"; then  # valgrind itself stopped: no count to trust
        echo "valgrind minifloat $1 $2 did not complete:" >&2
        tail -5 "$log" >&2
        status=1
        return
    fi
    local definite indirect
    definite=$(grep -oE "definitely lost: [0-9,]+ bytes" "$log" | grep -oE "[0-9,]+" || echo 0)
    indirect=$(grep -oE "indirectly lost: [0-9,]+ bytes" "$log" | grep -oE "[0-9,]+" || echo 0)
    echo "valgrind minifloat $1 $2: definitely lost $definite bytes, indirectly lost $indirect bytes" >&2
    if [ "$definite" != 0 ] || [ "$indirect" != 0 ]; then status=1; fi
}
run quantize e4m3fn 0.1 1/3 -0x1.8p-9 464 1e30 nan --rounding rna
run gen e4m3fn --count 200 --output "$work/cases.npy" --expected "$work/expected.npy"
run verify e4m3fn --input "$work/cases.npy" --claimed "$work/expected.npy"
run fpq quantize --format e2m1 --maxval 3/7 0.1 0.2 0.3 5
exit $status
