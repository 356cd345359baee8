"""Element formats: quantize, dequantize, round_to."""

import ctypes

import numpy as np

from . import _native
from ._arrays import c_order, as_array, code_array, code_dtype, float_source, ml_dtype, pack_rows, packed_shape, unpack_rows
from ._formats import resolve


def _ptr(a):
    return a.ctypes.data_as(ctypes.c_void_p) if a is not None and a.size else None


def _int(value, what, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not low <= int(value) <= high:
        raise ValueError(f"{what} must be {low} to {high} (got {value})")
    return int(value)


def random_arguments(random_bits, seed, random, count, shape):
    """(random_bits, use_seed, seed, random array or None) for the library, checked."""
    bits = 0 if random_bits is None else _int(random_bits, "random_bits", 0, 32)
    use_seed = 0
    seed_value = 0
    if seed is not None:
        seed_value = _int(seed, "seed", -(2 ** 63), 2 ** 64 - 1) % 2 ** 64
        use_seed = 1
    values = None
    if random is not None:
        values = np.asarray(random)
        if values.dtype.kind not in "ui":
            raise TypeError(f"random must be an integer array (R_i in its low random_bits bits), not {values.dtype}")
        if values.size != count:
            raise ValueError(f"random has {values.size} values; x has {count} elements (one R_i per element)")
        if values.size and (values.min() < 0 or values.max() > 0xFFFFFFFF):
            raise ValueError("random values must be 0 to 2^32 - 1")
        values = c_order(values.reshape(shape).astype(np.uint32, copy=False))
    return bits, use_seed, seed_value, values


def quantize(x, fmt, rounding=None, saturation=None, *, profile=None, random_bits=None, seed=None, random=None,
             packed=False, dtype=None, threads=0):
    """The codes of `x` in element format `fmt`, each element rounded once from its exact value.

    x: an array of float32, float64, float16 or bfloat16 (ml_dtypes), any shape and order; integers
    and ml_dtypes FP8/FP6/FP4 arrays are converted exactly first. Anything with __array__ or
    __dlpack__ is accepted (a CPU torch tensor, a JAX array).
    fmt: a format name ("e4m3fn", "float8_e5m2", "e2m1fn", "e3m2b5fn", "binary8p3se", ...) or Format.
    rounding: "rne" (ties to even), "rna" (ties away), "rtz", "rtp", "rtn", "rto" (to odd), or IEEE
    P3109 stochastic "sra", "srb", "src", which need random_bits=N (1 to 32) and either seed=S
    (R_i = the top N bits of word i of SplitMix64's outputs from state S as little-endian uint32:
    word 2j the low half of output j + 1, word 2j + 1 its high half; i the flat C-order index) or
    random=array (R_i = the low N bits of random[i], one per element).
    Default "rne".
    saturation: "satnone" (overflow to Inf, or NaN where the format has no Inf; the default),
    "satfinite" (overflow and Inf to the largest finite value), "satpropagate" (overflow saturates,
    Inf stays).
    profile: a system to reproduce bit for bit, "torch", "jax", "ml_dtypes", "cuda", "cuda-ptx" or
    "triton" (docs/conformance.md): its codes for x's dtype, NaN codes and conventions included;
    rounding and saturation then pick one of its calls (None: its default). "reference" (or None)
    is the spec.
    packed: for 4-bit formats, two codes per byte along the last axis (element 2k in the low
    nibble), the last axis halved (an odd row ends with a zero nibble).
    dtype: None for uint8 (formats of at most 8 bits), uint16 or uint32 codes; "ml_dtypes" (or the
    format's ml_dtypes type) for a view of the codes as that type.
    threads: 0 for all processors; the result does not depend on it.

    Returns an array of x's shape (packed: the last axis halved). Raises ValueError (the command
    line's one-line message) or TypeError on bad arguments.
    """
    f = resolve(fmt, want_block=False)
    a, source = float_source(x)
    if profile is not None and str(profile).lower() != "reference":
        if random_bits is not None or seed is not None or random is not None:
            raise ValueError(f"profile {profile} converts deterministically; drop random_bits, seed and random")
        out = np.empty(a.shape, code_dtype(f.bits))
        _native.check(_native.py_quantize_profile(
            f.name.encode(), _ptr(a), source.encode(), a.size, _ptr(out), out.dtype.itemsize,
            _native.encode(profile, "profile"), None if rounding is None else _native.encode(rounding, "rounding"),
            None if saturation is None else _native.encode(saturation, "saturation"), _int(threads, "threads", 0, 1 << 20)))
        if packed:
            if f.bits != 4:
                raise _native.MinifloatError(f"{f.name} has {f.bits} bits; packed arrays need a 4-bit format")
            return pack_rows(out)
        return out if dtype is None else _view_as(out, f, dtype)
    rounding = "rne" if rounding is None else rounding
    saturation = "satnone" if saturation is None else saturation
    bits, use_seed, seed_value, values = random_arguments(random_bits, seed, random, a.size, a.shape)
    threads = _int(threads, "threads", 0, 1 << 20)
    if packed:
        if f.bits != 4:
            raise _native.MinifloatError(f"{f.name} has {f.bits} bits; packed arrays need a 4-bit format")
        if a.ndim >= 2 and a.shape[-1] % 2:
            return pack_rows(quantize(a, f, rounding, saturation, random_bits=random_bits, seed=seed, random=values,
                                      threads=threads))
        out = np.empty(packed_shape(a.shape), np.uint8)
        code_bytes = 1
    else:
        out = np.empty(a.shape, code_dtype(f.bits))
        code_bytes = out.dtype.itemsize
    _native.check(_native.py_quantize(
        f.name.encode(), _ptr(a), source.encode(), a.size, _ptr(out), code_bytes, 1 if packed else 0,
        _native.encode(rounding, "rounding"), _native.encode(saturation, "saturation"), bits,
        _ptr(values), use_seed, seed_value, threads))
    if dtype is None or packed:
        return out
    return _view_as(out, f, dtype)


def _view_as(out, f, dtype):
    """Codes `out` of format `f` as `dtype` (quantize's dtype argument)."""
    target = ml_dtype(f.name)
    if isinstance(dtype, str) and dtype == "ml_dtypes" or (target is not None and np.dtype(dtype) == np.dtype(target)):
        if target is None:
            raise ValueError(f"no ml_dtypes type for {f.name} (or ml_dtypes is not installed)")
        return out.view(target)
    want = np.dtype(dtype)
    if want.kind != "u" or want.itemsize * 8 < f.bits:
        raise TypeError(f"dtype {want} cannot hold {f.name}'s {f.bits}-bit codes: use an unsigned type or 'ml_dtypes'")
    return out.astype(want)


def dequantize(codes, fmt, dtype=np.float32, *, packed=False, length=None, threads=0):
    """The values of element-format codes.

    codes: unsigned (or signed, read as their bits) integer codes of `fmt`, or an array of the
    format's ml_dtypes type; packed=True: bytes of two 4-bit codes along the last axis, whose
    unpacked length is `length` (default twice the packed one).
    dtype: float32 (each value rounded once to nearest even; exact for every format whose values
    are float32 values, all of FP4, FP6 and FP8) or float64 (exact for formats of at most 16 bits).
    A code above the format's largest code raises ValueError.
    """
    f = resolve(fmt, want_block=False)
    out_dtype = np.dtype(dtype)
    if out_dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, not {out_dtype}")
    threads = _int(threads, "threads", 0, 1 << 20)
    if packed:
        if f.bits != 4:
            raise _native.MinifloatError(f"{f.name} has {f.bits} bits; packed arrays need a 4-bit format")
        b = code_array(codes, f.name, 8, "packed codes")
        if b.dtype != np.uint8:
            raise TypeError(f"packed codes must be bytes (uint8), not {b.dtype}")
        if b.ndim == 0:
            b = b.reshape(1)
        last = 2 * b.shape[-1] if length is None else _int(length, "length", 0, 2 * b.shape[-1])
        if last < 2 * b.shape[-1] - 1:
            raise ValueError(f"length {last} does not fit rows of {b.shape[-1]} packed bytes")
        return dequantize(unpack_rows(b, last), f, out_dtype, threads=threads)
    c = code_array(codes, f.name, f.bits)
    out = np.empty(c.shape, out_dtype)
    _native.check(_native.py_dequantize(f.name.encode(), _ptr(c), c.dtype.itemsize, c.size, 0, _ptr(out),
                                        out_dtype.name.encode(), threads))
    return out


def round_to(x, fmt, rounding="rne", saturation="satnone", *, random_bits=None, seed=None, random=None, dtype=None,
             threads=0):
    """Fake quantization: the values of quantize(x, fmt, ...) as floats, of x's float type by
    default (float32 for integer inputs). Each value is exact in float32 and float64 for every
    format whose values are float32 values; to float16 or bfloat16 a value of the format that is
    not one is rounded once (to nearest even). Arguments as for quantize."""
    f = resolve(fmt, want_block=False)
    original = as_array(x, "x")
    a, _ = float_source(original)
    codes = quantize(a, f, rounding, saturation, random_bits=random_bits, seed=seed, random=random, threads=threads)
    target = np.dtype(dtype) if dtype is not None else np.dtype(np.float32) if original.dtype.kind in "biu" else a.dtype
    if target in (np.dtype(np.float32), np.dtype(np.float64)):
        return dequantize(codes, f, target, threads=threads)
    if not _values_are_float32(f):
        raise ValueError(f"round_to {target} needs a format whose values are float32 values; {f.name} has others: "
                         "use dtype=np.float64")
    return dequantize(codes, f, np.float32, threads=threads).astype(target)  # exact, then rounded once


def _values_are_float32(f):
    """Whether every finite value of element format f is a float32 value."""
    least = f.min_subnormal if f.min_subnormal is not None else f.min_normal * 2.0 ** -f.mantissa_bits
    return f.mantissa_bits <= 23 and f.max <= float(np.finfo(np.float32).max) and least >= 2.0 ** -149
