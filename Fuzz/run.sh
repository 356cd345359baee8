#!/usr/bin/env bash
# Fuzz/run.sh TARGET SECONDS [--asan]: build a libFuzzer target and run it for SECONDS seconds on its
# committed corpus (new inputs go to a scratch corpus under .build-fuzz). Exit status 0 if it found
# nothing, non-zero (and a TARGET-crash-* file in Fuzz/findings/) if it did.
#   TARGET: differential | roundtrip | parsers | llmfp4 | folding | blocks | all
#   all: builds every target, then fuzzes them as many at a time as there are cores (FUZZ_JOBS=N
#   to choose), each for SECONDS on a core of its own; their reports follow in order.
#   FUZZ_SEED=N fixes libFuzzer's seed (CI uses 1, so that a CI run can be repeated); 0 or unset: random.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: Fuzz/run.sh TARGET SECONDS [--asan]}"
seconds="${2:?usage: Fuzz/run.sh TARGET SECONDS [--asan]}"
sanitizers=(--sanitize=fuzzer)
scratch=.build-fuzz
if [ "${3:-}" = "--asan" ]; then sanitizers+=(--sanitize=address); scratch=.build-fuzz-asan; fi
if [ "$target" = all ]; then
    targets=(differential roundtrip parsers llmfp4 folding blocks)
    for t in "${targets[@]}"; do FUZZ_BUILD_ONLY=1 "$0" "$t" "$seconds" ${3:-}; done
    jobs="${FUZZ_JOBS:-$(nproc)}"
    logs=$(mktemp -d)
    trap 'rm -rf "$logs"' EXIT
    failed=()
    # Waves of $jobs fuzzers (each runs exactly SECONDS, so waves lose nothing).
    for ((i = 0; i < ${#targets[@]}; i += jobs)); do
        wave=("${targets[@]:i:jobs}")
        pids=()
        for t in "${wave[@]}"; do
            FUZZ_SKIP_BUILD=1 "$0" "$t" "$seconds" ${3:-} > "$logs/$t" 2>&1 &
            pids+=($!)
        done
        for k in "${!wave[@]}"; do
            wait "${pids[$k]}" || failed+=("${wave[$k]}")
            cat "$logs/${wave[$k]}" >&2
        done
    done
    if [ ${#failed[@]} -gt 0 ]; then echo "fuzzing failed: ${failed[*]}" >&2; exit 1; fi
    exit 0
fi
case "$target" in differential|roundtrip|parsers|llmfp4|folding|blocks) ;; *) echo "unknown target '$target': use differential, roundtrip, parsers, llmfp4, folding, blocks or all" >&2; exit 2;; esac
if [ -z "${FUZZ_SKIP_BUILD:-}" ]; then
    MINIFLOAT_FUZZ=1 swift build -c release --product "fuzz-$target" "${sanitizers[@]}" --scratch-path "$scratch" >&2
fi
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit 0
work="$scratch/corpus-$target"
mkdir -p "$work" Fuzz/findings
dict=()
[ -f "Fuzz/$target.dict" ] && dict=(-dict="Fuzz/$target.dict")
echo "fuzz-$target: $seconds s" >&2
SWIFT_BACKTRACE=enable=no "$scratch/release/fuzz-$target" "$work" "Fuzz/corpus/$target" "${dict[@]}" \
    -seed="${FUZZ_SEED:-0}" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="Fuzz/findings/$target-" 2>&1 \
    | grep -E "^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|.*(ERROR|Fatal error|deadly signal|SUMMARY).*)" || true
# libFuzzer's status is lost in the pipe: a crash leaves an artifact.
# (Any one kind is a failure: `ls` of the three patterns together fails unless all three match.)
if compgen -G "Fuzz/findings/$target-crash-*" >/dev/null || compgen -G "Fuzz/findings/$target-leak-*" >/dev/null \
    || compgen -G "Fuzz/findings/$target-timeout-*" >/dev/null; then
    echo "fuzz-$target found a failure: see Fuzz/findings/ (replay: $scratch/release/fuzz-$target FILE)" >&2
    exit 1
fi
