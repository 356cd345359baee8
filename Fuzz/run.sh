#!/usr/bin/env bash
# Fuzz/run.sh TARGET SECONDS [--asan]: build a libFuzzer target and run it for SECONDS seconds on its
# committed corpus (new inputs go to a scratch corpus under .build-fuzz). Exit status 0 if it found
# nothing, non-zero (and a crash-* file in Fuzz/findings/) if it did.
#   TARGET: differential | roundtrip | parsers | llmfp4 | folding | blocks | all
#   FUZZ_SEED=N fixes libFuzzer's seed (CI uses 1, so that a CI run can be repeated); 0 or unset: random.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: Fuzz/run.sh TARGET SECONDS [--asan]}"
seconds="${2:?usage: Fuzz/run.sh TARGET SECONDS [--asan]}"
sanitizers=(--sanitize=fuzzer)
scratch=.build-fuzz
if [ "${3:-}" = "--asan" ]; then sanitizers+=(--sanitize=address); scratch=.build-fuzz-asan; fi
if [ "$target" = all ]; then
    for t in differential roundtrip parsers llmfp4 folding blocks; do "$0" "$t" "$seconds" ${3:-}; done
    exit 0
fi
case "$target" in differential|roundtrip|parsers|llmfp4|folding|blocks) ;; *) echo "unknown target '$target': use differential, roundtrip, parsers, llmfp4, folding, blocks or all" >&2; exit 2;; esac
MINIFLOAT_FUZZ=1 swift build -c release --product "fuzz-$target" "${sanitizers[@]}" --scratch-path "$scratch" >&2
work="$scratch/corpus-$target"
mkdir -p "$work" Fuzz/findings
dict=()
[ -f "Fuzz/$target.dict" ] && dict=(-dict="Fuzz/$target.dict")
echo "fuzz-$target: $seconds s" >&2
SWIFT_BACKTRACE=enable=no "$scratch/release/fuzz-$target" "$work" "Fuzz/corpus/$target" "${dict[@]}" \
    -seed="${FUZZ_SEED:-0}" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=Fuzz/findings/ 2>&1 \
    | grep -E "^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|.*(ERROR|Fatal error|deadly signal|SUMMARY).*)" || true
# libFuzzer's status is lost in the pipe: a crash leaves an artifact.
if ls Fuzz/findings/crash-* Fuzz/findings/leak-* Fuzz/findings/timeout-* >/dev/null 2>&1; then
    echo "fuzz-$target found a failure: see Fuzz/findings/ (replay: $scratch/release/fuzz-$target FILE)" >&2
    exit 1
fi
