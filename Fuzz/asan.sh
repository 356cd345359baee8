#!/usr/bin/env bash
# Fuzz/asan.sh [--all]: tests under AddressSanitizer and LeakSanitizer (release build).
# By default (what CI runs) the suites that exercise the unsafe code: memory-mapped .npy input and
# chunked output, the array commands, verify, gen, the fuzz properties, the bad-input table, the
# LLM-FP4 module, the parsers, the block commands and the block encoder's fast path. --all runs every suite but the two exhaustive ones (every
# Float16/bfloat16 and every float32 input) and those that load libMinifloatC.so from C or Python
# (an ASan library needs an ASan host); under ASan that takes well over 10 minutes on 2 cores.
# --disable-xctest: LeakSanitizer reports leaks inside libXCTest otherwise
# (the toolchain's own); Fuzz/lsan.supp lists the toolchain's own leaks.
set -euo pipefail
cd "$(dirname "$0")/.."
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0"
if [ "${1:-}" = "--all" ]; then
    selection=(--skip "ExhaustiveHalfPrecisionTests|SweepTests|CLibraryTests|EndToEndTests")
else
    selection=(--filter "NpyTests|ArrayCommandTests|VerifyTests|VerifierTests|GenTests|FuzzReplayTests|BadInputTableTests|LLMFP4|NameAndParsingTests|BlockCommandTests|BlockTests/(fastPath|randomBlocks|edges|quotient)")
fi
swift test -c release --sanitize=address --disable-xctest --scratch-path .build-asan "${selection[@]}"
