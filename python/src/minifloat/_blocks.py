"""Block formats (OCP MX v1.0, NVFP4): quantize_blocks, dequantize_blocks, verify_blocks."""

import ctypes
import json
import math

import numpy as np

from . import _native
from ._arrays import c_order, code_array, float_source, pack_rows, packed_shape, unpack_rows
from ._formats import resolve
from ._quantize import _int, _ptr, random_arguments


class BlockCodes:
    """The codes of a block-quantized array: scales (uint8, x's shape with the block axis shortened
    to ceil(length / block_size)), elements (x's shape; uint8 codes, int8 for MXINT8, or packed FP4
    bytes with the last axis halved), and tensor_scale (NVFP4's float32 per-tensor scale, None for
    MX). Unpacks as (scales, elements) for MX and (scales, elements, tensor_scale) for NVFP4."""

    def __init__(self, scales, elements, tensor_scale):
        self.scales = scales
        self.elements = elements
        self.tensor_scale = tensor_scale

    def __iter__(self):
        items = (self.scales, self.elements) if self.tensor_scale is None else (self.scales, self.elements, self.tensor_scale)
        return iter(items)

    def __repr__(self):
        return (f"BlockCodes(scales={self.scales.shape}, elements={self.elements.shape} {self.elements.dtype}, "
                f"tensor_scale={self.tensor_scale})")


def _block_format(fmt, block_size):
    f = resolve(fmt, want_block=True)
    size = 0 if block_size is None else _int(block_size, "block_size", 1, 1 << 20)
    return f, size, (size or f.block_size)


def _axis(axis, ndim):
    rank = max(ndim, 1)
    a = _int(axis, "axis", -(2 ** 31), 2 ** 31 - 1)
    if not -rank <= a < rank:
        raise _native.MinifloatError(f"axis {a} is out of range for an array of {rank} dimension{'s' if rank > 1 else ''}: "
                                     f"use {-rank} to {rank - 1}")
    return a


def _scale_shape(shape, axis, size):
    s = list(shape) or [1]
    a = axis % len(s)
    s[a] = -(-s[a] // size)
    return tuple(s)


def _tensor_scale(value):
    if value is None:
        return math.nan
    t = float(value)
    if math.isnan(t):
        raise ValueError("tensor_scale is NaN: give a positive finite float32 value, or None for the default")
    return t


def quantize_blocks(x, fmt, axis=-1, *, block_size=None, scale_rule=None, specials="nan-scale", rounding="rne",
                    saturation="satfinite", random_bits=None, seed=None, random=None, tensor_scale=None, packed=False,
                    threads=0):
    """Block-quantizes x (float32, float64, float16, bfloat16; any shape) to block format `fmt`
    ("mxfp8", "mxfp8_e5m2", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp4", "mxint8", "nvfp4") in blocks of
    block_size (default 32, NVFP4 16) consecutive elements along `axis` (a short last block is
    padded with zeros for its amax).

    For each block the scale code comes from its amax by scale_rule ("floor": OCP MX v1.0 section
    6.3, the MX default; "ceil": NVFP4's default, cuDNN; "ties-up", "even", "down"); every element
    x / scale (times the tensor scale for NVFP4) is rounded once by rounding and saturation
    (default satfinite, the MX clamp). specials: "nan-scale" (a block with NaN or Inf gets the NaN
    scale) or "finite-amax". tensor_scale: NVFP4's per-tensor scale (a float32 value); None
    computes amax / (6 * 448) rounded to float32. Stochastic element rounding as for quantize.
    packed: two FP4 element codes per byte along the last axis.

    Returns BlockCodes (scales, elements[, tensor_scale]).
    """
    f, size, effective = _block_format(fmt, block_size)
    a, source = float_source(x)
    axis = _axis(axis, a.ndim)
    bits, use_seed, seed_value, values = random_arguments(random_bits, seed, random, a.size, a.shape)
    scales = np.empty(_scale_shape(a.shape, axis, effective), np.uint8)
    elements = np.empty(a.shape, np.uint8)
    used = ctypes.c_double()
    shape = _native.shape_array(a.shape)
    rule = None if scale_rule is None else _native.encode(scale_rule, "scale_rule")
    _native.check(_native.py_block_quantize(
        f.name.encode(), size, _ptr(a), source.encode(), a.ndim, shape, axis, rule, _native.encode(specials, "specials"),
        _native.encode(rounding, "rounding"), _native.encode(saturation, "saturation"), bits, _ptr(values), use_seed,
        seed_value, _tensor_scale(tensor_scale), _int(threads, "threads", 0, 1 << 20), _ptr(scales), _ptr(elements),
        ctypes.byref(used)))
    if packed:
        if f.element.bits != 4:
            raise _native.MinifloatError(f"{f.name} has {f.element.bits}-bit elements; packed arrays need 4-bit elements")
        elements = pack_rows(elements)
    elif f.element_storage == "twos-complement":
        elements = elements.view(np.int8)
    ts = None if math.isnan(used.value) else np.float32(used.value)
    return BlockCodes(scales, elements, ts)


def _block_claims(f, scales, elements, shape, axis, effective):
    """(scales, unpacked elements, packed?) checked against x's shape."""
    s = code_array(scales, f.scale.name, 8, "scales")
    if s.dtype != np.uint8:
        raise TypeError(f"scales must be uint8 codes, not {s.dtype}")
    want = _scale_shape(shape, axis, effective)
    if s.shape != want:
        if s.size != int(np.prod(want)):
            raise ValueError(f"scales has shape {s.shape}; blocks of {effective} along axis {axis} of {shape} need {want}")
        s = s.reshape(want)
    e = code_array(elements, f.element.name, 8, "elements")
    if e.dtype != np.uint8:
        raise TypeError(f"elements must be uint8 (or int8 for MXINT8) codes, not {e.dtype}")
    full = tuple(shape) or (1,)
    packed = f.element.bits == 4 and e.shape == packed_shape(full) and e.shape != full
    if packed:
        e = unpack_rows(e, full[-1])
    elif e.shape != full:
        if e.size != int(np.prod(full)):
            raise ValueError(f"elements has shape {e.shape}; x has shape {tuple(shape)}"
                             + (f" (packed FP4: {packed_shape(full)})" if f.element.bits == 4 else ""))
        e = e.reshape(full)
    return c_order(s), c_order(e), packed


def dequantize_blocks(scales, elements, fmt, axis=-1, *, block_size=None, tensor_scale=None, shape=None,
                      dtype=np.float32, threads=0):
    """The values of block codes: element value * scale value (* tensor scale for NVFP4), computed
    exactly and rounded once to dtype (float32 or float64). A NaN scale makes its block NaN.
    elements: x's shape, or packed FP4 bytes (the last axis halved; give shape= when x's last
    axis was odd). NVFP4 needs tensor_scale."""
    f, size, effective = _block_format(fmt, block_size)
    out_dtype = np.dtype(dtype)
    if out_dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, not {out_dtype}")
    e0 = np.asarray(elements)
    if shape is None:
        shape = e0.shape
        s0 = np.asarray(scales)
        if f.element.bits == 4 and e0.ndim >= 1:
            unpacked = e0.shape[:-1] + (2 * e0.shape[-1],)
            if s0.shape == _scale_shape(unpacked, axis % max(len(unpacked), 1), effective) and \
                    s0.shape != _scale_shape(e0.shape, axis % max(e0.ndim, 1), effective):
                shape = unpacked
    shape = tuple(int(d) for d in shape)
    axis = _axis(axis, len(shape))
    s, e, _ = _block_claims(f, scales, elements, shape, axis % max(len(shape), 1), effective)
    if f.has_tensor_scale and tensor_scale is None:
        raise _native.MinifloatError(f"{f.name} needs its tensor_scale to decode")
    out = np.empty(shape, out_dtype)
    _native.check(_native.py_block_dequantize(
        f.name.encode(), size, _ptr(s), _ptr(e), len(shape), _native.shape_array(shape), axis,
        _tensor_scale(tensor_scale), _ptr(out), out_dtype.name.encode(), _int(threads, "threads", 0, 1 << 20)))
    return out


class BlockReport:
    """What verify_blocks found: ok, mismatching (scales and elements), json (the command line's
    --json report: scale and element counts by cause, the mismatches), str() the text report."""

    def __init__(self, report_json, text, mismatching):
        self.json = json.loads(report_json)
        self.text = text
        self.mismatching = mismatching
        self.ok = mismatching == 0

    def __str__(self):
        return self.text.rstrip("\n")

    def __repr__(self):
        return f"<minifloat.BlockReport ok={self.ok} mismatching={self.mismatching}>"


def verify_blocks(x, scales, elements, fmt, axis=-1, *, block_size=None, scale_rule=None, specials="nan-scale",
                  rounding="rne", saturation="satfinite", random_bits=None, seed=None, tensor_scale=None,
                  max_mismatches=10, threads=0):
    """Checks another quantizer's block codes for x: every scale against the scale rule, every
    element against the reference under its block's claimed scale, with a diagnosis of each
    mismatch (other scale rules, rounding and saturation modes, swapped nibbles, float32 division).
    Arguments as for quantize_blocks; elements may be packed FP4. NVFP4's tensor_scale defaults to
    the reference one. Returns a BlockReport."""
    f, size, effective = _block_format(fmt, block_size)
    a, source = float_source(x)
    axis = _axis(axis, a.ndim)
    s, e, packed = _block_claims(f, scales, elements, a.shape, axis % max(a.ndim, 1), effective)
    bits = 0 if random_bits is None else _int(random_bits, "random_bits", 0, 32)
    seed_value = 0 if seed is None else _int(seed, "seed", -(2 ** 63), 2 ** 64 - 1) % 2 ** 64
    report_json, text = ctypes.c_void_p(), ctypes.c_void_p()
    mismatching = ctypes.c_ssize_t()
    rule = None if scale_rule is None else _native.encode(scale_rule, "scale_rule")
    _native.check(_native.py_block_verify(
        f.name.encode(), size, _ptr(a), source.encode(), a.ndim, _native.shape_array(a.shape), axis, rule,
        _native.encode(specials, "specials"), _native.encode(rounding, "rounding"), _native.encode(saturation, "saturation"),
        bits, 0 if seed is None else 1, seed_value, _tensor_scale(tensor_scale), _int(threads, "threads", 0, 1 << 20),
        _ptr(s), _ptr(e), 1 if packed else 0, _int(max_mismatches, "max_mismatches", 0, 1 << 40),
        ctypes.byref(report_json), ctypes.byref(text), ctypes.byref(mismatching)))
    return BlockReport(_native.take_string(report_json.value), _native.take_string(text.value), mismatching.value)
