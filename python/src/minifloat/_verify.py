"""Verification of another quantizer's output, and test vectors."""

import ctypes
import json
from dataclasses import dataclass

import numpy as np

from . import _native
from ._arrays import ML_DTYPES_NAMES, _is_ml_minifloat, _torch_special, as_array, code_array, float_source, packed_shape, unpack_rows
from ._formats import resolve
from ._quantize import _int, _ptr


@dataclass(frozen=True)
class Mismatch:
    """One mismatching element: where it is, what was claimed, what the reference is, and why.

    index: the element's index in x (a tuple); flat_index: its C-order position.
    input: the input's exact value (decimal text); input_bits: its bit pattern (hex).
    claimed_code: the claimed code (None when a claimed value is NaN or not a value of the format);
    claimed: the claim's text. expected_code, expected: the reference code and its exact value.
    cause: the diagnosis ("saturation", "double-rounding", "tie-break", "nan-mapping", "wrong-code", ...);
    detail: the diagnosis in words.
    """
    index: tuple
    flat_index: int
    input: str
    input_bits: str
    claimed_code: object
    claimed: str
    expected_code: int
    expected: str
    cause: str
    detail: str


def _code(text):
    return int(text, 16) if isinstance(text, str) and text.startswith("0x") else None


class Report:
    """What verify found. ok: every element matches. checked, matching, mismatching: counts.
    by_cause: {cause: count} over every mismatch. mismatches: the first max_mismatches, in detail.
    exact_behaviours: the other rounding/saturation behaviours (and double roundings) that give
    exactly the claims, as "rounding/saturation" or "rounding/saturation through T" labels;
    closest_behaviour: the first of them, or else the behaviour with the fewest disagreements
    (None when every element matches). json: the full report (the command line's --json).
    str(report) reads like `minifloat verify`'s report."""

    def __init__(self, report_json, text):
        self.json = json.loads(report_json)
        self.text = text
        j = self.json
        self.checked = j["checked"]
        self.matching = j["matching"]
        self.mismatching = j["mismatching"]
        self.ok = self.mismatching == 0
        self.by_cause = dict(j.get("by_diagnosis", {}))
        self.mismatches = [self._mismatch(m) for m in j.get("mismatches", [])]
        others = j.get("other_behaviours", [])
        # As the text report orders them: the report's own saturation first, then its rounding.
        exact = [b for b in others if b["disagreements"] == 0]
        exact.sort(key=lambda b: (b["saturation"] != j["saturation"], b["rounding"] != j["rounding"]))
        self.exact_behaviours = [_label(b) for b in exact]
        if self.ok:
            self.closest_behaviour = None
        elif self.exact_behaviours:
            self.closest_behaviour = self.exact_behaviours[0]
        elif others:
            self.closest_behaviour = _label(min(others, key=lambda b: b["disagreements"]))
        else:
            self.closest_behaviour = None

    @staticmethod
    def _mismatch(m):
        claimed = m["claimed"]
        if "code" in claimed:
            claimed_code, claimed_text = _code(claimed["code"]), f'{claimed["code"]} ({claimed["value"]})'
        elif claimed.get("representable") is False:
            claimed_code, claimed_text = None, f'{claimed["value"]} (not a value of the format)'
        else:
            claimed_code, claimed_text = None, "value nan"
        d = m["diagnosis"]
        return Mismatch(index=tuple(m["multi_index"]), flat_index=m["index"], input=m["input"],
                        input_bits=m.get("input_bits"), claimed_code=claimed_code, claimed=claimed_text,
                        expected_code=_code(m["expected"]["code"]), expected=m["expected"]["value"],
                        cause=d["kind"], detail=d["detail"])

    def __str__(self):
        return self.text.rstrip("\n")

    def __repr__(self):
        return f"<minifloat.Report ok={self.ok} checked={self.checked} mismatching={self.mismatching} by_cause={self.by_cause}>"


def _label(b):
    through = f" through {b['through']}" if b.get("through") else ""
    return f"{b['rounding']}/{b['saturation']}{through}"


def _options(rounding, saturation, profile, nan_any, random_bits, seed, max_mismatches, threads):
    o = _native.verify_default_options()
    o.rounding = None if rounding is None else _native.encode(rounding, "rounding")
    o.saturation = None if saturation is None else _native.encode(saturation, "saturation")
    o.profile = None if profile is None else _native.encode(profile, "profile")
    o.nan_any = 1 if nan_any else 0
    o.random_bits = 0 if random_bits is None else _int(random_bits, "random_bits", 0, 32)
    o.seed = 0 if seed is None else _int(seed, "seed", -(2 ** 63), 2 ** 64 - 1) % 2 ** 64
    o.max_mismatches = _int(max_mismatches, "max_mismatches", 0, 1 << 40)
    o.threads = _int(threads, "threads", 0, 1 << 20)
    return o


def _claims(claimed, f, claimed_as):
    """(array, dtype name, claimed_as name) for the library."""
    special = _torch_special(claimed)
    if special is not None and claimed_as is None:
        # A bfloat16 tensor, or a float8 tensor of another format, holds values; of this format, codes.
        claimed_as = "codes" if special[1] == ML_DTYPES_NAMES.get(f.name) else "values"
    if special is not None:
        c = claimed  # float_source and code_array read torch tensors themselves
    else:
        c = as_array(claimed, "claimed")
    if claimed_as is None:
        values = (c.dtype.kind == "f" or c.dtype.name == "bfloat16") or (_is_ml_minifloat(c.dtype) and c.dtype.name != ML_DTYPES_NAMES.get(f.name))
        claimed_as = "values" if values else "codes"
    if claimed_as == "values":
        c, name = float_source(c, "claimed")
        return c, name, "values"
    if claimed_as not in ("codes", "packed-fp4"):
        raise ValueError(f"unknown claimed_as '{claimed_as}': use codes, values or packed-fp4")
    c = code_array(c, f.name, 8 if claimed_as == "packed-fp4" else f.bits, "claimed")
    if c.dtype == np.uint32:
        if c.size and c.max() > 0xFFFF:
            raise ValueError(f"claimed has codes above 0xffff; {f.name} has {f.bits}-bit codes")
        c = c.astype(np.uint16)
    names = {np.dtype(np.uint8): "u8", np.dtype(np.uint16): "u16"}
    return c, names[c.dtype], claimed_as


def verify(x, claimed, fmt, profile=None, rounding=None, saturation=None, *, claimed_as=None, nan_any=False,
           random_bits=None, seed=None, max_mismatches=10, threads=0):
    """Checks another quantizer's output `claimed` for the input `x` against the reference
    conversion to element format `fmt` (at most 16 bits) and explains each mismatch.

    x: the input that was quantized (float32, float64, float16, bfloat16; as for quantize).
    claimed: the quantizer's result, of x's shape: codes (uint8, int8, uint16, or the format's
    ml_dtypes type) or values (float arrays, or another format's ml_dtypes type); claimed_as
    ("codes", "values", "packed-fp4") overrides the guess. Packed FP4 has the last axis halved.
    profile: a system whose codes are accepted exactly ("torch", "jax", "ml_dtypes", "cuda",
    "cuda-ptx", "triton"; rounding and saturation pick one of its calls), a named behaviour
    ("ocp-saturating", "ocp-nonsaturating", "p3109-satfinite", ...), or "reference"/None with
    rounding (default "rne") and saturation (default "satnone"). nan_any: any NaN code matches a
    reference NaN. Stochastic modes take random_bits and seed (R_i as for quantize with seed).
    max_mismatches: how many mismatches the report keeps in detail.
    Returns a Report (report.ok, str(report)). Raises ValueError or TypeError on bad arguments.
    """
    f = resolve(fmt, want_block=False)
    if f.bits > 16:
        raise _native.MinifloatError(f"{f.name} has {f.bits} bits; verify handles formats of at most 16 bits")
    a, source = float_source(x)
    c, claimed_type, kind = _claims(claimed, f, claimed_as)
    if kind == "packed-fp4":
        want = packed_shape(a.shape)
        if a.ndim >= 2 and a.shape[-1] % 2:
            if c.shape != want:
                raise ValueError(f"claimed has shape {c.shape}; packed FP4 codes of x {a.shape} have shape {want}")
            c, kind = unpack_rows(c, a.shape[-1]), "codes"
        elif c.size != (a.size + 1) // 2:
            raise ValueError(f"claimed has {c.size} bytes; packed FP4 codes of {a.size} elements need {(a.size + 1) // 2}")
    elif c.shape != a.shape:
        if c.size != a.size:
            raise ValueError(f"claimed has shape {c.shape} but x has shape {a.shape}: one claim per element")
        c = c.reshape(a.shape)
    options = _options(rounding, saturation, profile, nan_any, random_bits, seed, max_mismatches, threads)
    shape = _native.shape_array(a.shape)
    report_json, text = ctypes.c_void_p(), ctypes.c_void_p()
    status = _native.py_verify(f.name.encode(), _ptr(a), source.encode(), a.ndim, shape, _ptr(c), claimed_type.encode(),
                               kind.encode(), ctypes.byref(options), ctypes.byref(report_json), ctypes.byref(text))
    _native.check(status)
    return Report(_native.take_string(report_json.value), _native.take_string(text.value))


def test_vectors(fmt, source=np.float32, level=1, count=None, seed=1, rounding="rne", saturation="satnone",
                 random_bits=None):
    """Test vectors for a quantizer to element format `fmt` (at most 16 bits): inputs of type
    `source` (float32, float64, float16, or ml_dtypes.bfloat16) that probe every boundary of the
    format (signed zeros, infinities, NaNs, every value and 1 ulp either side, every midpoint and
    1 ulp either side, the overflow threshold, the subnormal boundaries; level 2 adds 2 and 3 ulps
    and quarter points) and `count` seeded random cases (default 10,000 at level 1, 100,000 at
    level 2), with the reference codes computed by the exact oracle under rounding and saturation.

    Returns (inputs, expected_codes); for stochastic rounding (random_bits N) (inputs,
    expected_codes, random), where random[i] is the R_i the expected code was computed with.
    """
    f = resolve(fmt, want_block=False)
    dt = np.dtype(source)
    names = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64", np.dtype(np.float16): "float16"}
    if dt in names:
        name = names[dt]
    elif dt.name == "bfloat16" and dt.itemsize == 2:
        name = "bfloat16"
    else:
        raise TypeError(f"source must be float32, float64, float16 or bfloat16, not {dt}")
    level = _int(level, "level", 1, 2)
    random_count = -1 if count is None else _int(count, "count", 0, 100_000_000)
    seed = _int(seed, "seed", -(2 ** 63), 2 ** 64 - 1) % 2 ** 64
    bits = 0 if random_bits is None else _int(random_bits, "random_bits", 0, 32)
    inputs, expected, random = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    n = ctypes.c_ssize_t()
    _native.check(_native.py_test_vectors(f.name.encode(), name.encode(), level, random_count, seed,
                                          _native.encode(rounding, "rounding"), _native.encode(saturation, "saturation"),
                                          bits, ctypes.byref(inputs), ctypes.byref(expected), ctypes.byref(random),
                                          ctypes.byref(n)))
    try:
        count = n.value
        xs = np.frombuffer(ctypes.string_at(inputs.value, count * dt.itemsize), dtype=dt).copy()
        codes = np.frombuffer(ctypes.string_at(expected.value, count * 4), dtype=np.uint32).astype(np.uint8 if f.bits <= 8 else np.uint16)
        r = np.frombuffer(ctypes.string_at(random.value, count * 4), dtype=np.uint32).copy() if random.value else None
    finally:
        for p in (inputs, expected, random):
            _native.py_free(p.value)
    return (xs, codes) if r is None else (xs, codes, r)
