"""Formats: their descriptions, from the library's catalog."""

import ctypes
import json
import math
from fractions import Fraction

from . import _native
from ._arrays import ml_dtype


def _power(value):
    """(float, exact thunk) of a {"significand": m, "exponent": e} value, or (None, None)."""
    if value is None:
        return None, None
    m, e = value["significand"], value["exponent"]
    try:
        f = math.ldexp(float(m), e)
    except OverflowError:
        f = math.inf
    return f, (lambda: Fraction(m) * Fraction(2) ** e)


class Format:
    """A format of Minifloat: an element format (e4m3fn, e5m2, e2m1fn, e3m2b5fn, ...) or a block
    format (mxfp8, mxfp6_e2m3, mxfp4, mxint8, nvfp4), by any name the command line takes.

    Element formats have: name, bits, signed, exponent_bits, mantissa_bits, bias, special_values
    ("ieee", "fn", "fnuz", "p3109-finite", "p3109-extended", "none"), has_zero, has_infinity,
    has_nan, has_negative_zero, max_code, max (the largest finite value, a float; max_exact is the
    exact Fraction), min_normal, min_subnormal (None when the format has none), aliases, spec (the
    document that defines it), ml_dtype (the ml_dtypes type, when ml_dtypes has one and is installed).

    Block formats have: name, element and scale (element Formats), block_size, has_tensor_scale,
    element_storage ("codes", or "twos-complement" for MXINT8), default_scale_rule, aliases.
    """

    def __init__(self, name):
        if isinstance(name, Format):
            self.__dict__.update(name.__dict__)
            return
        out = ctypes.c_void_p()
        _native.check(_native.py_format_json(_native.encode(name, "format"), ctypes.byref(out)))
        self._init(json.loads(_native.take_string(out.value)))

    @classmethod
    def _from_json(cls, d):
        f = cls.__new__(cls)
        f._init(d)
        return f

    def _init(self, d):
        self.kind = d["kind"]
        self.name = d["name"]
        self.aliases = tuple(d["aliases"])
        if self.kind == "block":
            self.element = Format._from_json(d["element"])
            self.scale = Format._from_json(d["scale"])
            self.block_size = d["block_size"]
            self.has_tensor_scale = d["tensor_scale"]
            self.element_storage = d["element_storage"]
            self.default_scale_rule = d["default_scale_rule"]
            return
        for key in ("bits", "signed", "exponent_bits", "mantissa_bits", "bias", "special_values", "has_zero",
                    "has_infinity", "has_nan", "has_negative_zero", "max_code", "spec"):
            setattr(self, key, d[key])
        self.max, self._max_exact = _power(d["max_finite"])
        self.min_normal, self._min_normal_exact = _power(d["min_normal"])
        self.min_subnormal, self._min_subnormal_exact = _power(d["min_subnormal"])

    @property
    def is_block(self):
        """Whether this is a block-scaled format (MX, NVFP4)."""
        return self.kind == "block"

    @property
    def max_exact(self):
        """The largest finite value, exactly (a Fraction)."""
        return self._max_exact()

    @property
    def min_normal_exact(self):
        """The least positive normal value, exactly (a Fraction)."""
        return self._min_normal_exact()

    @property
    def min_subnormal_exact(self):
        """The least positive subnormal value, exactly (a Fraction), or None."""
        return self._min_subnormal_exact() if self._min_subnormal_exact else None

    @property
    def ml_dtype(self):
        """The ml_dtypes type of this element format, or None."""
        return None if self.is_block else ml_dtype(self.name)

    def as_dict(self):
        """The description as a dict (block formats nest their element and scale formats)."""
        if self.is_block:
            return {"kind": "block", "name": self.name, "element": self.element.as_dict(), "scale": self.scale.as_dict(),
                    "block_size": self.block_size, "has_tensor_scale": self.has_tensor_scale,
                    "element_storage": self.element_storage, "default_scale_rule": self.default_scale_rule,
                    "aliases": list(self.aliases)}
        keys = ("kind", "name", "bits", "signed", "exponent_bits", "mantissa_bits", "bias", "special_values", "has_zero",
                "has_infinity", "has_nan", "has_negative_zero", "max_code", "max", "min_normal", "min_subnormal",
                "aliases", "spec")
        d = {k: getattr(self, k) for k in keys}
        d["aliases"] = list(self.aliases)
        return d

    def __eq__(self, other):
        return isinstance(other, Format) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"Format({self.name!r})"

    def __str__(self):
        return self.name


def formats():
    """Every catalog format, as dicts (Format.as_dict): the element formats, then the block formats."""
    out = ctypes.c_void_p()
    _native.check(_native.py_catalog_json(ctypes.byref(out)))
    return [Format._from_json(d).as_dict() for d in json.loads(_native.take_string(out.value))]


def resolve(fmt, want_block=None):
    """A Format from a name or a Format; `want_block` (True/False) refuses the other kind with the
    library's message."""
    f = fmt if isinstance(fmt, Format) else Format(fmt) if isinstance(fmt, str) else None
    if f is None:
        raise TypeError(f"fmt must be a format name (str) or a Format, not {type(fmt).__name__}")
    if want_block is True and not f.is_block:
        raise _native.MinifloatError(f"{f.name} is an element format, not a block format: use quantize, dequantize or verify")
    if want_block is False and f.is_block:
        raise _native.MinifloatError(f"{f.name} is a block format: use quantize_blocks, dequantize_blocks or verify_blocks")
    return f
