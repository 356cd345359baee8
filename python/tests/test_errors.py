"""Bad arguments raise ValueError or TypeError with a one-line message; nothing crashes the
interpreter, whatever is passed."""
import itertools

import numpy as np
import pytest

import minifloat

X = np.array([0.5, 1.0, 3.0], np.float32)


@pytest.mark.parametrize("call,error,fragment", [
    (lambda: minifloat.quantize(X, "e4m3nf"), ValueError, "e4m3fn"),
    (lambda: minifloat.quantize(X, "mxfp4"), ValueError, "block format"),
    (lambda: minifloat.quantize_blocks(X, "e4m3fn"), ValueError, "element format"),
    (lambda: minifloat.quantize(X, "e4m3fn", "rnd"), ValueError, "unknown rounding"),
    (lambda: minifloat.quantize(X, "e4m3fn", saturation="clamp"), ValueError, "satfinite"),
    (lambda: minifloat.quantize(X, "e4m3fn", "sra"), ValueError, "random_bits"),
    (lambda: minifloat.quantize(X, "e4m3fn", "sra", random_bits=8), ValueError, "seed"),
    (lambda: minifloat.quantize(X, "e4m3fn", "sra", random_bits=40, seed=1), ValueError, "0 to 32"),
    (lambda: minifloat.quantize(X, "e4m3fn", seed=1), ValueError, "stochastic"),
    (lambda: minifloat.quantize(X, "e4m3fn", "sra", random_bits=8, random=[1, 2]), ValueError, "one R_i per element"),
    (lambda: minifloat.quantize(X.astype(np.complex64), "e4m3fn"), TypeError, "complex"),
    (lambda: minifloat.quantize(np.array(["a"]), "e4m3fn"), TypeError, "float array"),
    (lambda: minifloat.quantize(object(), "e4m3fn"), TypeError, ""),
    (lambda: minifloat.quantize(X, 8), TypeError, "format name"),
    (lambda: minifloat.quantize(X, "e4m3\0fn"), ValueError, "NUL"),
    (lambda: minifloat.quantize(X, "e4m3fn", threads=-1), ValueError, "threads"),
    (lambda: minifloat.quantize(X, "e4m3fn", dtype=np.float32), TypeError, "dtype"),
    (lambda: minifloat.dequantize(np.array([300], np.uint16), "e4m3fn"), ValueError, "largest code"),
    (lambda: minifloat.dequantize(np.array([16], np.uint8), "e2m1fn"), ValueError, "largest code"),
    (lambda: minifloat.dequantize(np.array([-1], np.int64), "e4m3fn"), ValueError, "negative"),
    (lambda: minifloat.dequantize(X, "e4m3fn"), TypeError, "integer codes"),
    (lambda: minifloat.dequantize(np.array([1], np.uint8), "e4m3fn", np.int32), TypeError, "float32 or float64"),
    (lambda: minifloat.verify(X, np.zeros(4, np.uint8), "e4m3fn"), ValueError, "one claim per element"),
    (lambda: minifloat.verify(X, np.zeros(3, np.uint8), "e4m3fn", profile="nope"), ValueError, "unknown profile"),
    (lambda: minifloat.verify(X, np.zeros(3, np.uint8), "binary32"), ValueError, "at most 16 bits"),
    (lambda: minifloat.verify(X, np.zeros(3, np.uint8), "e4m3fn", claimed_as="bits"), ValueError, "claimed_as"),
    (lambda: minifloat.test_vectors("e4m3fn", level=3), ValueError, "level"),
    (lambda: minifloat.test_vectors("e4m3fn", source=np.int32), TypeError, "source"),
    (lambda: minifloat.quantize_blocks(X, "mxfp4", axis=1), ValueError, "out of range"),
    (lambda: minifloat.quantize_blocks(X, "mxfp4", scale_rule="round"), ValueError, "floor"),
    (lambda: minifloat.quantize_blocks(X, "mxfp4", block_size=0), ValueError, "block_size"),
    (lambda: minifloat.quantize_blocks(X, "mxfp4", tensor_scale=1.0), ValueError, "nvfp4 only"),
    (lambda: minifloat.verify_blocks(X, np.zeros(2, np.uint8), np.zeros(3, np.uint8), "mxfp4"), ValueError, "scales"),
])
def test_bad_arguments(call, error, fragment):
    with pytest.raises(error) as e:
        call()
    message = str(e.value)
    assert fragment in message
    assert "\n" not in message and len(message) < 1100


POOL = [None, 0, -1, 1, 2 ** 63, 2 ** 64, 1.5, float("nan"), "", "e4m3fn", "mxfp4", "nvfp4", "e2m1fn", "rne", "sra",
        "satfinite", "codes", "packed-fp4", "x" * 5000, "\xff", b"e4m3fn", [], [1, 2], np.zeros(0, np.float32),
        np.zeros((2, 0, 3)), X, X.astype(np.float64), np.arange(6, dtype=np.uint8).reshape(2, 3),
        np.array([np.inf, -np.inf, np.nan], np.float32), np.zeros((1,) * 40, np.float32), np.array(3.0), object()]


def test_fuzzed_arguments_never_crash():
    # Every function called with arguments drawn from a pool of odd values: only ValueError or
    # TypeError (or a result) may come back; a crash would take pytest down with it.
    functions = [
        (minifloat.quantize, 2, ["rounding", "saturation", "random_bits", "seed", "random", "packed", "dtype", "threads"]),
        (minifloat.dequantize, 2, ["dtype", "packed", "length", "threads"]),
        (minifloat.round_to, 2, ["rounding", "saturation", "random_bits", "seed", "dtype"]),
        (minifloat.verify, 3, ["profile", "rounding", "saturation", "claimed_as", "nan_any", "random_bits", "seed",
                               "max_mismatches"]),
        (minifloat.test_vectors, 1, ["level", "count", "seed", "rounding", "random_bits"]),
        (minifloat.quantize_blocks, 2, ["axis", "block_size", "scale_rule", "specials", "rounding", "tensor_scale",
                                        "packed", "random_bits", "seed"]),
        (minifloat.dequantize_blocks, 3, ["axis", "block_size", "tensor_scale", "shape", "dtype"]),
        (minifloat.verify_blocks, 4, ["axis", "block_size", "scale_rule", "rounding", "tensor_scale", "max_mismatches"]),
        (minifloat.Format, 1, []),
    ]
    rng = np.random.default_rng(1)
    calls = 0
    for f, positional, keywords in functions:
        for _ in range(400):
            args = [POOL[i] for i in rng.integers(0, len(POOL), positional)]
            if rng.random() < 0.7:  # mostly a real format name in the format slot
                args[-1] = ["e4m3fn", "e2m1fn", "mxfp4", "nvfp4", "e5m2", "mxint8"][rng.integers(0, 6)]
            kwargs = {k: POOL[rng.integers(0, len(POOL))] for k in keywords if rng.random() < 0.3}
            try:
                f(*args, **kwargs)
            except (ValueError, TypeError, OverflowError):
                pass
            calls += 1
    assert calls == 400 * len(functions)
