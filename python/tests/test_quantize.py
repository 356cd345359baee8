"""quantize, dequantize and round_to: against the exact oracle (test vectors), the spec's value
formula, and ml_dtypes where it is correct."""
import math

import numpy as np
import pytest

import minifloat
from conftest import ml_dtypes, needs_ml_dtypes

FORMATS = ["e4m3fn", "e5m2", "e4m3fnuz", "e5m2fnuz", "e2m3fn", "e3m2fn", "e2m1fn", "e8m0fnu", "e3m2b5", "e3m2b5fn", "binary8p3se"]
MODES = [("rne", "satnone"), ("rne", "satfinite"), ("rna", "satpropagate"), ("rtz", "satnone"), ("rtp", "satfinite"),
         ("rtn", "satnone"), ("rto", "satfinite")]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("rounding,saturation", MODES)
def test_equals_the_oracle_on_test_vectors(fmt, rounding, saturation):
    # test_vectors' expected codes come from the GMP oracle; quantize runs the fast array path.
    for source in (np.float32, np.float64, np.float16):
        xs, expected = minifloat.test_vectors(fmt, source, count=2000, rounding=rounding, saturation=saturation)
        got = minifloat.quantize(xs, fmt, rounding, saturation)
        assert got.dtype == np.uint8
        bad = np.flatnonzero(got != expected)
        assert bad.size == 0, f"{fmt} {source.__name__} {rounding} {saturation}: x={xs[bad[:5]]} got={got[bad[:5]]} expected={expected[bad[:5]]}"


@needs_ml_dtypes
@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2", "e2m1fn"])
def test_bfloat16_source_equals_the_oracle(fmt):
    xs, expected = minifloat.test_vectors(fmt, ml_dtypes.bfloat16, count=2000)
    assert xs.dtype == ml_dtypes.bfloat16
    assert np.array_equal(minifloat.quantize(xs, fmt), expected)


@pytest.mark.parametrize("fmt,random_bits", [("e4m3fn", 8), ("e2m1fn", 5), ("e5m2", 12)])
@pytest.mark.parametrize("rounding", ["sra", "srb", "src"])
def test_stochastic_equals_the_oracle(fmt, random_bits, rounding):
    xs, expected, r = minifloat.test_vectors(fmt, count=3000, rounding=rounding, saturation="satfinite",
                                             random_bits=random_bits)
    got = minifloat.quantize(xs, fmt, rounding, "satfinite", random_bits=random_bits, random=r)
    assert np.array_equal(got, expected)


def _spec_value(code, e_bits, m_bits, bias):
    """OCP OFP8 v1.0 section 5.3 / OCP MX v1.0 section 5.3: the value of a finite code from its fields."""
    sign = -1.0 if code >> (e_bits + m_bits) else 1.0
    e = (code >> m_bits) & ((1 << e_bits) - 1)
    m = code & ((1 << m_bits) - 1)
    if e == 0:
        return sign * 2.0 ** (1 - bias) * (m / 2 ** m_bits)
    return sign * 2.0 ** (e - bias) * (1 + m / 2 ** m_bits)


@pytest.mark.parametrize("fmt,e,m,bias,nan_codes,inf_codes", [
    ("e4m3fn", 4, 3, 7, {0x7F, 0xFF}, set()),
    ("e5m2", 5, 2, 15, {0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF}, {0x7C, 0xFC}),
    ("e2m3fn", 2, 3, 1, set(), set()),
    ("e3m2fn", 3, 2, 3, set(), set()),
    ("e2m1fn", 2, 1, 1, set(), set()),
])
def test_dequantize_every_code_by_the_spec_formula(fmt, e, m, bias, nan_codes, inf_codes):
    codes = np.arange(1 << (1 + e + m), dtype=np.uint8)
    for dtype in (np.float32, np.float64):
        values = minifloat.dequantize(codes, fmt, dtype)
        assert values.dtype == dtype
        for c, v in zip(codes.tolist(), values.tolist()):
            if c in nan_codes:
                assert math.isnan(v), (fmt, c)
            elif c in inf_codes:
                assert v == (math.inf if c < 0x80 else -math.inf)
            else:
                want = _spec_value(c, e, m, bias)
                assert v == want and math.copysign(1, v) == math.copysign(1, want), (fmt, hex(c), v, want)


def test_e2m1_table():
    # OCP MX v1.0 section 5.3.3: the eight magnitudes of FP4 E2M1.
    values = minifloat.dequantize(np.arange(16, dtype=np.uint8), "e2m1fn")
    assert values.tolist() == [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6]


def test_e8m0_scales():
    codes = np.array([0, 1, 126, 127, 128, 254, 255], np.uint8)
    v = minifloat.dequantize(codes, "e8m0fnu", np.float64)
    assert v[:6].tolist() == [2.0 ** -127, 2.0 ** -126, 0.5, 1.0, 2.0, 2.0 ** 127]
    assert math.isnan(v[6])


def test_shapes_orders_and_views(rng):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32) * 100
    flat = minifloat.quantize(x.ravel(), "e4m3fn")
    assert minifloat.quantize(x, "e4m3fn").shape == (3, 4, 5)
    assert np.array_equal(minifloat.quantize(x, "e4m3fn").ravel(), flat)
    fortran = np.asfortranarray(x)
    assert np.array_equal(minifloat.quantize(fortran, "e4m3fn"), minifloat.quantize(x, "e4m3fn"))
    strided = x[:, ::2, 1:]
    assert np.array_equal(minifloat.quantize(strided, "e4m3fn"), minifloat.quantize(strided.copy(), "e4m3fn"))
    big_endian = x.astype(">f4")
    assert np.array_equal(minifloat.quantize(big_endian, "e4m3fn"), minifloat.quantize(x, "e4m3fn"))
    assert minifloat.quantize(np.float32(1.5), "e4m3fn").shape == ()
    assert minifloat.quantize(np.zeros((0, 3), np.float32), "e4m3fn").shape == (0, 3)
    assert minifloat.quantize([0.1, 1, 2.5], "e4m3fn").tolist() == minifloat.quantize(np.array([0.1, 1, 2.5]), "e4m3fn").tolist()
    assert minifloat.quantize(x, "e4m3fn", threads=1).tolist() == minifloat.quantize(x, "e4m3fn").tolist()


def test_python_floats_are_taken_exactly():
    # Just above the midpoint 0.09765625 between e4m3fn's 0.09375 (0x1c) and 0.1015625 (0x1d): taken
    # exactly as a float64 it rounds up; through float32 it would be the midpoint and tie to even (down).
    x = 0.09765625 + 2.0 ** -40
    assert minifloat.quantize(np.float64(x), "e4m3fn") == 0x1D
    assert minifloat.quantize(x, "e4m3fn") == 0x1D
    assert minifloat.quantize(np.float32(x), "e4m3fn") == 0x1C


def test_integers_are_converted_exactly():
    assert minifloat.quantize(np.array([1, 2, 3, 448, 449], np.int64), "e4m3fn").tolist() == \
        minifloat.quantize(np.array([1.0, 2, 3, 448, 449]), "e4m3fn").tolist()
    with pytest.raises(ValueError, match="2\\^53"):
        minifloat.quantize(np.array([2 ** 53 + 1], np.int64), "e4m3fn")


def test_round_to_is_dequantize_of_quantize(rng):
    x = rng.standard_normal(1000) * 10
    for fmt in ("e4m3fn", "e5m2", "e2m1fn"):
        for dtype in (np.float32, np.float64):
            xs = x.astype(dtype)
            got = minifloat.round_to(xs, fmt, saturation="satfinite")
            assert got.dtype == dtype
            assert np.array_equal(got, minifloat.dequantize(minifloat.quantize(xs, fmt, saturation="satfinite"), fmt, dtype))
    assert minifloat.round_to(x.astype(np.float16), "e4m3fn").dtype == np.float16
    assert minifloat.round_to(np.array([1, 2, 500]), "e4m3fn").dtype == np.float32


def test_wide_formats_use_wider_codes():
    c = minifloat.quantize(np.array([1.0, 65504.0], np.float32), "binary16")
    assert c.dtype == np.uint16 and c.tolist() == [0x3C00, 0x7BFF]
    c32 = minifloat.quantize(np.array([1.0], np.float64), "binary32")
    assert c32.dtype == np.uint32 and c32.tolist() == [0x3F800000]


def test_packed_fp4_both_ways(rng):
    x = (rng.standard_normal((4, 6)) * 3).astype(np.float32)
    codes = minifloat.quantize(x, "e2m1fn")
    packed = minifloat.quantize(x, "e2m1fn", packed=True)
    assert packed.shape == (4, 3) and packed.dtype == np.uint8
    assert np.array_equal(packed & 0xF, codes[:, 0::2]) and np.array_equal(packed >> 4, codes[:, 1::2])
    assert np.array_equal(minifloat.dequantize(packed, "e2m1fn", packed=True), minifloat.dequantize(codes, "e2m1fn"))
    odd = x[:, :5]
    p = minifloat.quantize(odd, "e2m1fn", packed=True)
    assert p.shape == (4, 3) and np.all(p[:, 2] >> 4 == 0)
    assert np.array_equal(minifloat.dequantize(p, "e2m1fn", packed=True, length=5), minifloat.round_to(odd, "e2m1fn"))
    with pytest.raises(ValueError, match="4-bit"):
        minifloat.quantize(x, "e4m3fn", packed=True)


def test_stochastic_seed_and_random():
    x = np.full(10000, 1.0 + 1 / 32, np.float32)  # a quarter of the way from 1 to 1.125 in e4m3fn
    up = minifloat.quantize(x, "e4m3fn", "sra", random_bits=8, seed=7)
    again = minifloat.quantize(x, "e4m3fn", "sra", random_bits=8, seed=7)
    assert np.array_equal(up, again)
    fraction_up = np.mean(up == 0x39)
    assert 0.2 < fraction_up < 0.3 and set(up.tolist()) == {0x38, 0x39}
    zeros = minifloat.quantize(x, "e4m3fn", "sra", random_bits=8, random=np.zeros(x.size, np.uint32))
    assert np.all(zeros == minifloat.quantize(x, "e4m3fn", "rtz"))
    report = minifloat.verify(x, up, "e4m3fn", rounding="sra", random_bits=8, seed=7)
    assert report.ok, str(report)


def splitmix64(seed, count):
    """SplitMix64's first `count` outputs from state `seed` (Steele, Lea and Flood 2014), in NumPy."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def test_seed_is_splitmix64_words():
    # The published first outputs from state 1234567 (the SplitMix64 reference C code, Vigna).
    assert splitmix64(1234567, 2).tolist() == [6457827717110365317, 3203168211198807973]
    # seed=S is random= the outputs viewed as little-endian uint32 words, each shifted right by
    # 32 - N: one output serves two elements.
    x = np.linspace(-400, 400, 1001, dtype=np.float32)
    for n in (1, 8, 20, 32):
        words = splitmix64(11, (x.size + 1) // 2).astype("<u8").view("<u4")[:x.size]
        given = minifloat.quantize(x, "e4m3fn", "srb", random_bits=n, random=words >> np.uint32(32 - n))
        assert np.array_equal(minifloat.quantize(x, "e4m3fn", "srb", random_bits=n, seed=11), given), n


@needs_ml_dtypes
@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2", "e4m3fnuz", "e5m2fnuz", "e3m2fn", "e2m3fn", "e2m1fn"])
def test_agrees_with_ml_dtypes_on_float32(fmt, rng):
    # ml_dtypes converts float32 to its FP8/FP6/FP4 types in one rounding to nearest even;
    # non-saturating for FP8 (satnone), saturating for the MX FP6/FP4 types (no Inf or NaN).
    dt = minifloat.Format(fmt).ml_dtype
    if dt is None:
        pytest.skip(f"this ml_dtypes has no {fmt}")
    bits = rng.integers(0, 2 ** 32, 200000, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate([bits.view(np.float32), minifloat.test_vectors(fmt, np.float32, count=0)[0]])
    x = x[~np.isnan(x)]
    if fmt in ("e3m2fn", "e2m3fn", "e2m1fn"):
        x = x[np.isfinite(x)]
    saturation = "satfinite" if fmt in ("e3m2fn", "e2m3fn", "e2m1fn") else "satnone"
    ours = minifloat.quantize(x, fmt, saturation=saturation)
    theirs = x.astype(dt).view(np.uint8)
    ours_values = minifloat.dequantize(ours, fmt, np.float64)
    theirs_values = x.astype(dt).astype(np.float64)
    both_nan = np.isnan(ours_values) & np.isnan(theirs_values)
    differ = ~both_nan & (ours != theirs)
    assert not differ.any(), f"{fmt}: x={x[differ][:5]} ours={ours[differ][:5]} ml_dtypes={theirs[differ][:5]}"
    assert np.array_equal(minifloat.quantize(x, fmt, saturation=saturation, dtype="ml_dtypes").view(np.uint8), ours)
