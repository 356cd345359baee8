#!/usr/bin/env python3
"""Times ml_dtypes on the same inputs as `minifloat bench`, in the same run, and prints both.

Usage (from the package root, after `swift build -c release`):
    python3 Benchmarks/ml_dtypes_bench.py [--elements N] [--repeat R] [--minifloat PATH] [--markdown]

It runs `minifloat bench --json --threads 1 --dump-inputs FILE`, loads the standard normal inputs z
that the bench used, builds the same scaled arrays (64 z, 8192 z, z; bfloat16, float16, float64),
times each ml_dtypes conversion the same way (best of --repeat after one warm-up run, one thread:
NumPy's astype is single-threaded), and prints ns per element side by side. The semantics differ
in places (ml_dtypes has no saturating mode, and no packed FP4); the cases time the same inputs.
Not part of the test suite; it needs python3 with numpy and ml_dtypes (`pip install ml_dtypes`).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import ml_dtypes
except ImportError as error:  # pragma: no cover
    sys.exit(f"ml_dtypes_bench: needs numpy and ml_dtypes ({error}); pip install ml_dtypes")


def best_ns_per_element(function, n, repeat):
    function()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        function()
        best = min(best, time.perf_counter_ns() - start)
    return best / n


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def splitmix64(seed, index):
    """The (index + 1)-th output of SplitMix64 from state seed (RandomSource.splitMix64), vectorised."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (index + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def float64_inputs(x64):
    """The bench's float64 inputs: 64 z with the 29 low bits float32 lacks filled from SplitMix64
    (seed 3), zeros and non-finite values kept (BenchInputs.f64)."""
    x = x64.astype(np.float64)
    bits = x.view(np.uint64) | (splitmix64(3, np.arange(x.size, dtype=np.uint64)) >> np.uint64(35))
    return np.where(np.isfinite(x) & (x != 0), bits.view(np.float64), x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=1 << 24)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--minifloat", default=os.path.join(".build", "release", "minifloat"))
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "z.f32")
        out = subprocess.run([args.minifloat, "bench", "--json", "--threads", "1", "--elements", str(args.elements),
                              "--repeat", str(args.repeat), "--dump-inputs", path],
                             check=True, capture_output=True, text=True).stdout
        ours = {row["case"]: row for row in json.loads(out)["results"]}
        z = np.fromfile(path, dtype="<f4")
    n = z.size
    x64, x8192 = z * np.float32(64), z * np.float32(8192)
    bf16 = x64.astype(ml_dtypes.bfloat16)
    f16 = x64.astype(np.float16)
    f64 = float64_inputs(x64)
    e4m3fn = ml_dtypes.float8_e4m3fn
    codes = x64.astype(e4m3fn)

    cases = [
        ("f32 -> e4m3fn rne satfinite", lambda: x64.astype(e4m3fn)),
        ("f32 -> e5m2 rne satfinite", lambda: x8192.astype(ml_dtypes.float8_e5m2)),
        ("f32 -> e2m1fn packed rne satfinite", lambda: z.astype(ml_dtypes.float4_e2m1fn)),
        ("bf16 -> e4m3fn rne satfinite", lambda: bf16.astype(e4m3fn)),
        ("f16 -> e4m3fn rne satfinite", lambda: f16.astype(e4m3fn)),
        ("f64 -> e4m3fn rne satfinite", lambda: f64.astype(e4m3fn)),
        ("e4m3fn -> f32", lambda: codes.astype(np.float32)),
    ]
    floor = ours["floor: read f32, write 1 byte"]["ns_per_element"]
    floor64 = ours["floor: read f64, write 1 byte"]["ns_per_element"]
    rows = []
    for name, function in cases:
        theirs = best_ns_per_element(function, n, args.repeat)
        mine = ours[name]["ns_per_element"]
        rows.append((name, mine, theirs, ours[name]["ratio_to_floor"]))

    machine = f"{cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}, " \
              f"NumPy {np.__version__}, ml_dtypes {ml_dtypes.__version__}; {n} elements, best of {args.repeat}"
    if args.markdown:
        print(f"Machine and method: {machine}.\n")
        print("| case | Minifloat ns/elem | ml_dtypes ns/elem | speed-up | Minifloat / floor of its source |")
        print("|---|---:|---:|---:|---:|")
        for name, mine, theirs, ratio in rows:
            note = " (ml_dtypes: unpacked, one code per byte)" if "packed" in name else ""
            print(f"| {name}{note} | {mine:.3f} | {theirs:.2f} | {theirs / mine:.1f}x | {ratio:.2f} |")
        print(f"| floor: read f32, write 1 byte | {floor:.3f} | | | 1 |")
        print(f"| floor: read f64, write 1 byte | {floor64:.3f} | | | 1 |")
    else:
        print(machine)
        print(f"{'case':44} {'minifloat':>10} {'ml_dtypes':>10} {'speed-up':>9}")
        for name, mine, theirs, _ in rows:
            print(f"{name:44} {mine:10.3f} {theirs:10.2f} {theirs / mine:8.1f}x")
        print(f"{'floor: read f32, write 1 byte':44} {floor:10.3f}")
        print(f"{'floor: read f64, write 1 byte':44} {floor64:10.3f}")


if __name__ == "__main__":
    main()
