"""Format descriptions, checked against the specs' numbers."""
from fractions import Fraction

import pytest

import minifloat
from minifloat import Format


# (name, bits, max finite, least normal, least subnormal) from OCP OFP8 v1.0 table 1, OCP MX v1.0
# tables 4-6 (E2M3, E3M2, E2M1, E8M0), and IEEE 754 binary16.
SPEC = [
    ("e4m3fn", 8, 448, Fraction(1, 2 ** 6), Fraction(1, 2 ** 9)),
    ("e5m2", 8, 57344, Fraction(1, 2 ** 14), Fraction(1, 2 ** 16)),
    ("e2m3fn", 6, Fraction(15, 2), 1, Fraction(1, 8)),
    ("e3m2fn", 6, 28, Fraction(1, 4), Fraction(1, 16)),
    ("e2m1fn", 4, 6, 1, Fraction(1, 2)),
    ("e8m0fnu", 8, 2 ** 127, Fraction(1, 2 ** 127), None),
    ("binary16", 16, 65504, Fraction(1, 2 ** 14), Fraction(1, 2 ** 24)),
]


@pytest.mark.parametrize("name,bits,largest,least_normal,least_subnormal", SPEC)
def test_spec_values(name, bits, largest, least_normal, least_subnormal):
    f = Format(name)
    assert f.bits == bits
    assert f.max_exact == largest and f.max == float(largest)
    assert f.min_normal_exact == least_normal
    assert f.min_subnormal_exact == least_subnormal
    assert f.min_subnormal == (None if least_subnormal is None else float(least_subnormal))


def test_aliases_and_specials():
    f = Format("float8_e4m3fn")
    assert f.name == "e4m3fn" and "float8_e4m3fn" in f.aliases
    assert (f.has_nan, f.has_infinity, f.has_negative_zero, f.special_values) == (True, False, True, "fn")
    fnuz = Format("e4m3fnuz")
    assert (fnuz.has_negative_zero, fnuz.bias) == (False, 8)
    assert Format("e5m2").has_infinity
    assert Format(f) == f and hash(Format("e4m3fn")) == hash(f)


def test_custom_format_of_any_bias():
    f = Format("e3m2b5")  # LLM-FP4 style custom bias, every code finite
    assert (f.exponent_bits, f.mantissa_bits, f.bias, f.spec, f.has_nan) == (3, 2, 5, "custom", False)
    # Largest: exponent field 7, mantissa 0b11: 2^(7-5) * 1.75.
    assert f.max_exact == Fraction(7)
    # With "fn" the all-ones code is NaN, so the largest has mantissa 0b10: 2^2 * 1.5.
    assert Format("e3m2b5fn").max_exact == Fraction(6) and Format("e3m2b5fn").has_nan


def test_block_formats():
    mx = Format("mxfp4")
    assert mx.is_block and mx.block_size == 32 and mx.element.name == "e2m1fn" and mx.scale.name == "e8m0fnu"
    assert not mx.has_tensor_scale and mx.default_scale_rule == "floor"
    nv = Format("nvfp4")
    assert nv.block_size == 16 and nv.scale.name == "ue4m3" and nv.has_tensor_scale and nv.default_scale_rule == "ceil"
    assert Format("mxint8").element_storage == "twos-complement"


def test_catalog():
    catalog = minifloat.formats()
    names = [d["name"] for d in catalog]
    for expected in ("e4m3fn", "e5m2", "e2m1fn", "e8m0fnu", "mxfp4", "nvfp4"):
        assert expected in names
    blocks = [d for d in catalog if d["kind"] == "block"]
    assert {d["name"] for d in blocks} >= {"mxfp4", "nvfp4", "mxint8"}
    e4m3 = next(d for d in catalog if d["name"] == "e4m3fn")
    assert e4m3["max"] == 448.0 and e4m3["bits"] == 8


def test_unknown_names_say_what_is_close():
    with pytest.raises(ValueError, match="e4m3fn"):
        Format("e4m3nf")
    with pytest.raises(ValueError, match="mxfp4"):
        Format("mxpf4")
    with pytest.raises(TypeError):
        Format(8)
