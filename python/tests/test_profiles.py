"""System profiles (profile="torch", ...) against recorded data: every float16 and bfloat16 input
of every recording in Conformance/recordings, and ml_dtypes itself on float64 and float32 data."""
import json
import pathlib

import numpy as np
import pytest

import minifloat

ROOT = pathlib.Path(__file__).resolve().parents[2]
RECORDINGS = [r for name in ["h100-2026-11.json", "ml_dtypes-0.6.0.json"]
              for r in json.loads((ROOT / "Conformance" / "recordings" / name).read_text())["recordings"]
              if r["source"] in ("float16", "bfloat16")]
PROFILE = {"ptx": "cuda-ptx"}

try:
    import ml_dtypes
except ImportError:  # the bfloat16 recordings and the live comparison need it
    ml_dtypes = None


def recorded_codes(r):
    starts = np.array(r["starts"], np.int64)
    return np.repeat(np.array(r["codes"], np.uint16), np.diff(np.append(starts, 1 << 16)))


@pytest.mark.parametrize("r", RECORDINGS, ids=[r["name"] for r in RECORDINGS])
def test_profile_reproduces_every_16_bit_input(r):
    if r["source"] == "bfloat16" and ml_dtypes is None:
        pytest.skip("bfloat16 arrays need ml_dtypes")
    bits = np.arange(1 << 16, dtype=np.uint16)
    x = bits.view(np.float16 if r["source"] == "float16" else ml_dtypes.bfloat16)
    profile = PROFILE.get(r["system"], r["system"])
    # Where a system has several calls, the recording's rounding and saturation pick one (CUDA's
    # saturation flag and E8M0 rounding, Triton's rounding; its rtne call saturates whatever the
    # documentation says); elsewhere the profile's one call is taken.
    rounding = r["rounding"] if r["system"] in ("cuda", "triton") else None
    saturation = r["saturation"] if r["system"] == "cuda" else None
    codes = minifloat.quantize(x, r["format"], rounding, saturation, profile=profile)
    expected = recorded_codes(r)
    assert np.array_equal(codes.astype(np.uint16), expected), f"{r['name']}: first differing input {np.flatnonzero(codes != expected)[:3]}"
    report = minifloat.verify(x, codes, r["format"], profile=profile, rounding=rounding, saturation=saturation)
    assert report.ok, str(report)


@pytest.mark.skipif(ml_dtypes is None, reason="ml_dtypes is not installed")
@pytest.mark.parametrize("source", [np.float64, np.float32])
@pytest.mark.parametrize("fmt,dtype", [("e4m3fn", "float8_e4m3fn"), ("e5m2", "float8_e5m2"), ("e4m3fnuz", "float8_e4m3fnuz"),
                                       ("e5m2fnuz", "float8_e5m2fnuz"), ("e2m3fn", "float6_e2m3fn"),
                                       ("e3m2fn", "float6_e3m2fn"), ("e2m1fn", "float4_e2m1fn"), ("e8m0fnu", "float8_e8m0fnu")])
def test_ml_dtypes_profile_is_ml_dtypes(fmt, dtype, source):
    # float64 bit patterns with exponents around the formats' ranges (double rounding shows there),
    # plus zeros, infinities and NaNs of both signs.
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 1 << 63, size=200_000, dtype=np.uint64) | (rng.integers(0, 2, size=200_000, dtype=np.uint64) << 63)
    exponent = rng.integers(1023 - 140, 1023 + 20, size=bits.size).astype(np.uint64)
    bits = (bits & np.uint64(0x800F_FFFF_FFFF_FFFF)) | (exponent << np.uint64(52))
    x = np.concatenate([bits.view(np.float64), [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1 + 2**-4 + 2**-40]])
    with np.errstate(over="ignore"):
        x = x.astype(source)
        expected = x.astype(getattr(ml_dtypes, dtype)).view(np.uint8)
    codes = minifloat.quantize(x, fmt, profile="ml_dtypes")
    assert np.array_equal(codes, expected)
    assert minifloat.verify(x, expected, fmt, profile="ml_dtypes").ok


def test_profile_errors():
    x = np.ones(3, np.float32)
    with pytest.raises(ValueError, match="converts to e4m3fn, e5m2"):
        minifloat.quantize(x, "e2m1fn", profile="torch")
    with pytest.raises(ValueError, match="unknown profile"):
        minifloat.quantize(x, "e4m3fn", profile="tensorflow")
    with pytest.raises(ValueError, match="rne satfinite only"):
        minifloat.quantize(x, "e4m3fn", saturation="satnone", profile="cuda-ptx")
    with pytest.raises(ValueError, match="f32 or f16 values"):
        minifloat.quantize(x.astype(np.float64), "e4m3fn", profile="cuda-ptx")
    assert minifloat.quantize(x, "e4m3fn", profile="reference").tolist() == [0x38] * 3
    assert minifloat.quantize(np.array([6.0, np.nan], np.float32), "e2m1fn", profile="cuda", packed=True).tolist() == [0x77]
