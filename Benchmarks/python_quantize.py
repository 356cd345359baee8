"""Python: minifloat.quantize against ml_dtypes' astype on the same 2^24 float32 values, in one run.

    .build-python/venv/bin/python Benchmarks/python_quantize.py [--elements N] [--repeat R]

Prints ns per element (best of R runs) for float32 -> e4m3fn (RNE, satnone, the ml_dtypes
behaviour), one thread and all threads, ml_dtypes' astype, and the ratios. The inputs are
standard normal values times 100 (seeded). Both outputs are compared, so a fast wrong answer
cannot pass unnoticed. Figures go in docs/performance.md with the machine.
"""

import argparse
import os
import time

import numpy as np

import minifloat

try:
    import ml_dtypes
except ImportError:
    ml_dtypes = None


def best(f, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--elements", type=int, default=1 << 24)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.elements
    x = (np.random.default_rng(1).standard_normal(n) * 100).astype(np.float32)
    rows = []
    one = best(lambda: minifloat.quantize(x, "e4m3fn", threads=1), args.repeat)
    rows.append(("minifloat.quantize(x, 'e4m3fn', threads=1)", one))
    every = best(lambda: minifloat.quantize(x, "e4m3fn"), args.repeat)
    rows.append((f"minifloat.quantize(x, 'e4m3fn') ({os.cpu_count()} threads)", every))
    if ml_dtypes is not None:
        theirs = best(lambda: x.astype(ml_dtypes.float8_e4m3fn), args.repeat)
        rows.append((f"x.astype(ml_dtypes.float8_e4m3fn) (ml_dtypes {ml_dtypes.__version__})", theirs))
        ours = minifloat.quantize(x, "e4m3fn")
        same = np.array_equal(ours, x.astype(ml_dtypes.float8_e4m3fn).view(np.uint8))
    print(f"{n} float32 elements, best of {args.repeat}; numpy {np.__version__}")
    for name, seconds in rows:
        print(f"{name:70s} {seconds / n * 1e9:8.3f} ns/element")
    if ml_dtypes is not None:
        print(f"ml_dtypes / minifloat (1 thread): {theirs / one:.1f}x; (all threads): {theirs / every:.1f}x; "
              f"same codes: {same}")


if __name__ == "__main__":
    main()
