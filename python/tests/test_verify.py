"""verify: hand-written buggy quantizers, each diagnosed; the report's structure and text."""
import numpy as np
import pytest

import minifloat
from minifloat.testing import assert_quantized
from conftest import ml_dtypes, needs_ml_dtypes


def numpy_e4m3fn(x, ties_away=False, saturate=False):
    """A small hand-written float32 -> OCP E4M3 quantizer in NumPy (the kind users write), with
    switchable bugs. It rounds through the float32 bits: keep 3 mantissa bits, round the rest."""
    x = np.asarray(x, np.float32)
    bits = x.view(np.uint32).astype(np.int64)
    sign = (bits >> 31) << 7
    a = np.abs(x).astype(np.float64)
    e = np.floor(np.log2(np.where(a > 0, a, 1.0)))
    e = np.maximum(e, -6)  # subnormals share the least normal exponent
    ulp = 2.0 ** (e - 3)
    q = a / ulp
    frac = q - np.floor(q)
    up = (frac > 0.5) | ((frac == 0.5) & (ties_away | (np.floor(q) % 2 == 1)))
    m = (np.floor(q) + up) * ulp
    m = np.where(m > 448, 448.0 if saturate else np.nan, m)
    out = np.zeros(x.shape, np.uint8)
    finite = np.isfinite(m)
    m = np.where(finite, m, 0.0)
    e2 = np.floor(np.log2(np.where(m > 0, m, 1.0)))
    normal = m >= 2.0 ** -6
    exp_field = np.where(normal, e2 + 7, 0).astype(np.int64)
    mant = np.where(normal, m / 2.0 ** e2 * 8 - 8, m / 2.0 ** -9).astype(np.int64)
    out = np.where(finite, (exp_field << 3) | mant, 0x7F).astype(np.int64) | sign
    return out.astype(np.uint8)


@pytest.fixture
def x(rng):
    vectors = minifloat.test_vectors("e4m3fn", np.float32, count=0)[0]
    vectors = vectors[np.isfinite(vectors)]  # (a signalling NaN would raise "invalid" when widened)
    extra = np.array([600.0, -1000.0, 0.0, -0.0, 1e-9], np.float32)
    return np.concatenate([(rng.standard_normal(20000) * 50).astype(np.float32), extra, vectors])


def test_the_hand_written_quantizer_is_right(x):
    report = minifloat.verify(x, numpy_e4m3fn(x), "e4m3fn")
    assert report.ok, str(report)
    assert report.checked == x.size and report.mismatching == 0 and report.closest_behaviour is None
    assert_quantized(x, numpy_e4m3fn(x), "e4m3fn", profile="ocp-nonsaturating")


def test_ties_away_is_diagnosed(x):
    report = minifloat.verify(x, numpy_e4m3fn(x, ties_away=True), "e4m3fn")
    assert not report.ok
    assert set(report.by_cause) == {"tie-break"}
    assert report.closest_behaviour == "rna/satnone"
    m = report.mismatches[0]
    # The reference code is the even neighbour; the claim is one code away from it.
    assert m.expected_code % 2 == 0 and abs(m.claimed_code - m.expected_code) == 1
    assert x[m.flat_index].view(np.uint32) == int(m.input_bits, 16)
    assert "the claims are exactly what e4m3fn rna satnone gives" in str(report)


def test_saturation_is_diagnosed(x):
    report = minifloat.verify(x, numpy_e4m3fn(x, saturate=True), "e4m3fn")
    assert set(report.by_cause) == {"saturation"}
    assert report.closest_behaviour == "rne/satfinite"
    assert minifloat.verify(x, numpy_e4m3fn(x, saturate=True), "e4m3fn", profile="ocp-saturating").ok


def test_double_rounding_through_float16_is_diagnosed(rng):
    # Quantizing float32 through float16 rounds twice: some inputs land on a float16 midpoint.
    x = (rng.standard_normal(200000) * 4).astype(np.float32)
    claimed = minifloat.quantize(x.astype(np.float16), "e4m3fn")
    report = minifloat.verify(x, claimed, "e4m3fn")
    assert report.mismatching > 0 and set(report.by_cause) == {"double-rounding"}
    assert report.closest_behaviour == "rne/satnone through binary16"


def test_values_codes_and_ml_dtypes_claims(x):
    codes = minifloat.quantize(x, "e4m3fn")
    values = minifloat.dequantize(codes, "e4m3fn")
    assert minifloat.verify(x, values, "e4m3fn").ok
    assert minifloat.verify(x, values.astype(np.float64), "e4m3fn", claimed_as="values").ok
    assert minifloat.verify(x, codes.view(np.int8), "e4m3fn").ok
    wrong = values.copy()
    wrong[0] = 0.3  # not an e4m3fn value
    report = minifloat.verify(x, wrong, "e4m3fn")
    assert report.mismatching == 1 and report.mismatches[0].claimed_code is None
    if ml_dtypes is not None:
        assert minifloat.verify(x, codes.view(ml_dtypes.float8_e4m3fn), "e4m3fn").ok


def test_multi_dimensional_indices(rng):
    x = (rng.standard_normal((4, 5, 6)) * 10).astype(np.float32)
    claimed = minifloat.quantize(x, "e5m2")
    claimed[2, 3, 4] ^= 1
    report = minifloat.verify(x, claimed, "e5m2")
    assert report.mismatching == 1
    m = report.mismatches[0]
    assert m.index == (2, 3, 4) and m.flat_index == np.ravel_multi_index((2, 3, 4), x.shape)
    assert f"element {2 * 30 + 3 * 6 + 4} [2, 3, 4]" in report.text
    assert report.json["input"]["shape"] == [4, 5, 6]


def test_packed_claims(rng):
    x = (rng.standard_normal((3, 8)) * 3).astype(np.float32)
    packed = minifloat.quantize(x, "e2m1fn", packed=True)
    assert minifloat.verify(x, packed, "e2m1fn", claimed_as="packed-fp4").ok
    swapped = ((packed >> 4) | (packed << 4)).astype(np.uint8)
    report = minifloat.verify(x, swapped, "e2m1fn", claimed_as="packed-fp4")
    assert not report.ok
    odd = x[:, :7]
    assert minifloat.verify(odd, minifloat.quantize(odd, "e2m1fn", packed=True), "e2m1fn", claimed_as="packed-fp4").ok


def test_max_mismatches_bounds_the_detail(x):
    report = minifloat.verify(x, numpy_e4m3fn(x, ties_away=True), "e4m3fn", max_mismatches=2)
    assert len(report.mismatches) == 2 and report.mismatching > 2
    assert f"({report.mismatching - 2} more; max_mismatches=N shows more)" in report.text


def test_assert_quantized_fails_with_the_report(x):
    with pytest.raises(AssertionError) as failure:
        assert_quantized(x, numpy_e4m3fn(x, saturate=True), "e4m3fn")
    message = str(failure.value)
    assert "saturation (matches satfinite)" in message
    assert "the claims are exactly what e4m3fn rne satfinite gives" in message
    assert "diagnosis  saturation" in message


class ArrayLike:
    """Something that is not an array but has __array__ (as a CPU torch tensor has)."""

    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return self.a if dtype is None else self.a.astype(dtype)


class DLPackOnly:
    """Something that only speaks DLPack (as a JAX array does)."""

    def __init__(self, a):
        self.a = a

    def __dlpack__(self, **kwargs):
        return self.a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.a.__dlpack_device__()


def test_array_like_inputs(x):
    codes = minifloat.quantize(x, "e4m3fn")
    assert np.array_equal(minifloat.quantize(ArrayLike(x), "e4m3fn"), codes)
    assert np.array_equal(minifloat.quantize(DLPackOnly(x), "e4m3fn"), codes)
    assert minifloat.verify(DLPackOnly(x), ArrayLike(codes), "e4m3fn").ok


def test_torch_tensors_when_torch_is_installed(x):
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(x)
    codes = minifloat.quantize(x, "e4m3fn")
    assert np.array_equal(minifloat.quantize(t, "e4m3fn"), codes)
    bf16 = t.to(torch.bfloat16)  # NumPy has no bfloat16: read as its bits
    assert np.array_equal(minifloat.quantize(bf16, "e4m3fn"), minifloat.quantize(bf16.float().numpy(), "e4m3fn"))
    # A float8 tensor of the format is codes; of another format, values; as input, its exact values.
    e5 = t.to(torch.float8_e5m2)
    report = minifloat.verify(t, e5, "e5m2")
    assert report.checked == x.size and set(report.by_cause) <= {"saturation", "nan-mapping"}
    assert minifloat.verify(t, minifloat.quantize(t, "e4m3fn"), "e4m3fn").ok
    assert np.array_equal(minifloat.quantize(e5, "e4m3fn"), minifloat.quantize(e5.float().numpy(), "e4m3fn"))
    with pytest.raises(ValueError, match="float8_e5m2"):
        minifloat.dequantize(e5, "e4m3fn")
    assert np.array_equal(minifloat.dequantize(e5, "e5m2"), e5.float().numpy())
