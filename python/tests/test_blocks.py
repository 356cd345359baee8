"""Block formats: scales by the OCP MX v1.0 rule computed here from amax, elements against the
element codec, round trips, diagnoses."""
import math

import numpy as np
import pytest

import minifloat
from minifloat.testing import assert_blocks_quantized


def mx_floor_scale_codes(x, block, emax_elem):
    """OCP MX v1.0 section 6.3: X = 2^(floor(log2(amax)) - emax_elem), as an E8M0 code (bias 127),
    per block of `block` along the last axis; amax 0 gives the least scale 2^-127 (code 0)."""
    rows = x.reshape(-1, x.shape[-1])
    codes = []
    for row in rows:
        line = []
        for start in range(0, row.size, block):
            amax = float(np.max(np.abs(row[start:start + block].astype(np.float64))))
            if amax == 0:
                line.append(0)
                continue
            exponent = math.frexp(amax)[1] - 1 - emax_elem  # frexp: amax = m * 2^e with 0.5 <= m < 1
            line.append(min(max(exponent, -127), 127) + 127)
        codes.append(line)
    return np.array(codes, np.uint8).reshape(x.shape[:-1] + (-1,))


@pytest.mark.parametrize("fmt,element,emax_elem", [("mxfp4", "e2m1fn", 2), ("mxfp8", "e4m3fn", 8),
                                                    ("mxfp6_e3m2", "e3m2fn", 4), ("mxfp6_e2m3", "e2m3fn", 2)])
def test_mx_against_the_spec_rule(fmt, element, emax_elem, rng):
    x = (rng.standard_normal((6, 96)) * np.exp(rng.uniform(-8, 8, (6, 1)))).astype(np.float32)
    x[0, :32] = 0  # an all-zero block
    scales, elements = minifloat.quantize_blocks(x, fmt)
    assert scales.shape == (6, 3) and elements.shape == (6, 96)
    assert np.array_equal(scales, mx_floor_scale_codes(x, 32, emax_elem))
    # Elements: x / scale rounded once (ties to even), clamped (OCP MX v1.0 section 6.3).
    scale_values = 2.0 ** (scales.astype(np.float64) - 127)
    quotient = x.astype(np.float64) / np.repeat(scale_values, 32, axis=1)  # exact: a power of two
    assert np.array_equal(elements, minifloat.quantize(quotient, element, saturation="satfinite"))
    values = minifloat.dequantize_blocks(scales, elements, fmt, dtype=np.float64)
    assert np.array_equal(values, minifloat.dequantize(elements, element, np.float64) * np.repeat(scale_values, 32, axis=1))


def test_other_axes_short_blocks_and_sources(rng):
    x = (rng.standard_normal((40, 3, 5)) * 4).astype(np.float32)
    scales, elements = minifloat.quantize_blocks(x, "mxfp8", axis=0)
    assert scales.shape == (2, 3, 5)  # 40 = 32 + a short block of 8
    moved = np.moveaxis(x, 0, -1)
    s2, e2 = minifloat.quantize_blocks(moved, "mxfp8")
    assert np.array_equal(np.moveaxis(s2, -1, 0), scales) and np.array_equal(np.moveaxis(e2, -1, 0), elements)
    for dtype in (np.float64, np.float16):
        s3, e3 = minifloat.quantize_blocks(x.astype(dtype), "mxfp8", axis=0)
        if dtype == np.float64:  # float32 values are float64 values: the same codes
            assert np.array_equal(s3, scales) and np.array_equal(e3, elements)
        assert minifloat.verify_blocks(x.astype(dtype), s3, e3, "mxfp8", axis=0).ok
    s4, e4 = minifloat.quantize_blocks(x, "mxfp8", axis=0, block_size=8)
    assert s4.shape == (5, 3, 5)


def test_nvfp4_tensor_scale_and_packing(rng):
    x = (rng.standard_normal((4, 64)) * 100).astype(np.float32)
    codes = minifloat.quantize_blocks(x, "nvfp4")
    scales, elements, tensor_scale = codes
    amax = float(np.max(np.abs(x)))
    assert tensor_scale.dtype == np.float32
    assert abs(float(tensor_scale) - amax / (6 * 448)) <= amax / (6 * 448) * 2.0 ** -24  # amax / (6 * 448), to float32
    assert scales.shape == (4, 4)
    packed = minifloat.quantize_blocks(x, "nvfp4", packed=True)
    assert packed.elements.shape == (4, 32)
    assert np.array_equal(packed.elements & 0xF, elements[:, 0::2]) and np.array_equal(packed.elements >> 4, elements[:, 1::2])
    a = minifloat.dequantize_blocks(scales, elements, "nvfp4", tensor_scale=tensor_scale)
    b = minifloat.dequantize_blocks(packed.scales, packed.elements, "nvfp4", tensor_scale=tensor_scale)
    assert np.array_equal(a, b) and a.shape == x.shape
    assert minifloat.verify_blocks(x, packed.scales, packed.elements, "nvfp4").ok
    given = minifloat.quantize_blocks(x, "nvfp4", tensor_scale=np.float32(0.25))
    assert given.tensor_scale == np.float32(0.25)
    with pytest.raises(ValueError, match="float32"):
        minifloat.quantize_blocks(x, "nvfp4", tensor_scale=0.1)
    with pytest.raises(ValueError, match="tensor_scale"):
        minifloat.dequantize_blocks(scales, elements, "nvfp4")


def test_mxint8_elements_are_signed(rng):
    x = rng.standard_normal((2, 32)).astype(np.float32)
    scales, elements = minifloat.quantize_blocks(x, "mxint8")
    assert elements.dtype == np.int8
    assert minifloat.verify_blocks(x, scales, elements, "mxint8").ok


def test_wrong_scale_rule_is_diagnosed(rng):
    x = (rng.standard_normal((8, 64)) * 3).astype(np.float32)
    scales, elements = minifloat.quantize_blocks(x, "mxfp4", scale_rule="even")
    report = minifloat.verify_blocks(x, scales, elements, "mxfp4")
    assert not report.ok
    assert "even" in report.text
    assert minifloat.verify_blocks(x, scales, elements, "mxfp4", scale_rule="even").ok
    with pytest.raises(AssertionError, match="scales"):
        assert_blocks_quantized(x, scales, elements, "mxfp4")


def test_stochastic_blocks_with_a_seed(rng):
    x = rng.standard_normal((4, 32)).astype(np.float32)
    a = minifloat.quantize_blocks(x, "mxfp4", rounding="sra", random_bits=8, seed=3)
    b = minifloat.quantize_blocks(x, "mxfp4", rounding="sra", random_bits=8, seed=3)
    assert np.array_equal(a.elements, b.elements)
    assert minifloat.verify_blocks(x, a.scales, a.elements, "mxfp4", rounding="sra", random_bits=8, seed=3).ok
