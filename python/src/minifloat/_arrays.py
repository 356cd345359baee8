"""Array arguments: what is accepted, and how it reaches the library without needless copies."""

import numpy as np

try:
    import ml_dtypes
except ImportError:  # optional
    ml_dtypes = None

# Minifloat's canonical names of the formats ml_dtypes has, and its names for them.
ML_DTYPES_NAMES = {
    "e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2", "e4m3fnuz": "float8_e4m3fnuz", "e5m2fnuz": "float8_e5m2fnuz",
    "e4m3b11fnuz": "float8_e4m3b11fnuz", "e4m3": "float8_e4m3", "e3m4": "float8_e3m4", "e8m0fnu": "float8_e8m0fnu",
    "e2m3fn": "float6_e2m3fn", "e3m2fn": "float6_e3m2fn", "e2m1fn": "float4_e2m1fn",
}


def ml_dtype(format_name):
    """The ml_dtypes type of a format, or None (no ml_dtypes, or no such type)."""
    name = ML_DTYPES_NAMES.get(format_name)
    if ml_dtypes is None or name is None:
        return None
    return getattr(ml_dtypes, name, None)


def _is_ml_minifloat(dtype):
    """An ml_dtypes 4-, 6- or 8-bit float type (one code per byte)."""
    return dtype.itemsize == 1 and dtype.kind == "V" and dtype.name.startswith(("float8", "float6", "float4"))


def c_order(a):
    """a in C order, copied only when it is not (np.ascontiguousarray would make 0-d arrays 1-d)."""
    a = np.asarray(a)
    return a if a.flags.c_contiguous else a.copy(order="C")


def _torch_special(x):
    """For a PyTorch tensor of a type NumPy lacks (bfloat16, float8_*): (its bits as a NumPy array,
    the type's name); else None. The tensor is moved to nothing: a CUDA tensor raises as usual."""
    if not type(x).__module__.startswith("torch"):
        return None
    name = str(getattr(x, "dtype", "")).replace("torch.", "")
    if name == "bfloat16" or name.startswith(("float8_", "float4_")):
        import torch  # already imported by whoever made the tensor
        bits = x.detach().view(torch.int16 if name == "bfloat16" else torch.uint8)
        return np.asarray(bits.numpy()).view(np.uint16 if name == "bfloat16" else np.uint8), name
    return None


def as_array(x, what):
    """x as a NumPy array: arrays, NumPy scalars, Python numbers and sequences, objects with
    __dlpack__ (a CPU torch tensor, a JAX array) or __array__. TypeError for anything else."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "__dlpack__") and not isinstance(x, np.generic):
        try:
            return np.from_dlpack(x)
        except (TypeError, RuntimeError, BufferError, ValueError, AttributeError):
            pass  # for example bfloat16, which NumPy's DLPack import refuses: try __array__
    try:
        a = np.asarray(x)
    except Exception as e:
        raise TypeError(f"{what} must be an array NumPy can read (a NumPy array, a CPU tensor, a list of numbers): {e}") from None
    if a.dtype == object or a.dtype.kind in "USM":
        raise TypeError(f"{what} must be an array of numbers, not {type(x).__name__} of {a.dtype}")
    return a


def float_source(x, what="x"):
    """(a C-contiguous float array, its type name for the library). float32, float64, float16 and
    bfloat16 are read as they are; ml_dtypes FP8/FP6/FP4 arrays and integers are converted exactly
    (to float32, or float64); anything that would round is refused."""
    special = _torch_special(x)
    if special is not None:
        bits, name = special
        if name == "bfloat16":
            return c_order(bits), "bfloat16"  # the library reads bfloat16 as its bits
        if name.startswith("float8_"):
            return c_order(np.asarray(x.detach().float().numpy())), "float32"  # every FP8 value is a float32
        raise TypeError(f"{what} is a torch.{name} tensor (packed); unpack it to codes first")
    a = as_array(x, what)
    dt = a.dtype
    if dt.kind == "f" and dt.itemsize in (2, 4, 8):
        name = {2: "float16", 4: "float32", 8: "float64"}[dt.itemsize]
    elif dt.name == "bfloat16" and dt.itemsize == 2:
        name = "bfloat16"
    elif _is_ml_minifloat(dt):
        a, name = a.astype(np.float32), "float32"  # every FP8/FP6/FP4 value is a float32
    elif dt.kind in "biu":
        converted = a.astype(np.float64)
        if dt.itemsize == 8 and a.size and not np.array_equal(converted.astype(dt), a):
            raise ValueError(f"{what} has integers that are not float64 values (beyond 2^53); pass floats")
        a, name = converted, "float64"
    elif dt.kind == "f":
        raise TypeError(f"{what} is {dt}: use float32, float64, float16 or bfloat16")
    else:
        raise TypeError(f"{what} must be a float array (float32, float64, float16, bfloat16), not {dt}")
    a = c_order(a)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a, name


def code_array(c, format_name, bits, what="codes"):
    """Codes as a C-contiguous unsigned array: uint8/16/32, signed integers viewed or checked,
    the format's own ml_dtypes type viewed as its bytes. TypeError for float arrays."""
    special = _torch_special(c)
    if special is not None:
        bits, name = special
        if ML_DTYPES_NAMES.get(format_name) != name:
            raise ValueError(f"{what} is torch.{name} but the format is {format_name}: pass codes of {format_name}")
        return c_order(bits)
    a = as_array(c, what)
    dt = a.dtype
    if _is_ml_minifloat(dt):
        if ML_DTYPES_NAMES.get(format_name) != dt.name:
            raise ValueError(f"{what} is {dt.name} but the format is {format_name}: pass codes of {format_name}")
        return c_order(a).view(np.uint8)
    if dt.kind == "b":
        a = a.astype(np.uint8)
    elif dt.kind == "i":
        if dt.itemsize <= 4 and dt.itemsize * 8 >= bits:
            a = a.view(np.dtype(f"u{dt.itemsize}")) if dt.isnative else a.astype(f"u{dt.itemsize}")
        else:
            if a.size and a.min() < 0:
                raise ValueError(f"{what} has negative values; codes are 0 to 2^{bits} - 1")
            a = a.astype(np.uint32) if a.size == 0 or a.max() <= 0xFFFFFFFF else _too_large(what)
    elif dt.kind == "u":
        if dt.itemsize == 8:
            a = a.astype(np.uint32) if a.size == 0 or a.max() <= 0xFFFFFFFF else _too_large(what)
    else:
        raise TypeError(f"{what} must be integer codes (uint8, uint16, ...), not {dt}")
    a = c_order(a)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a


def _too_large(what):
    raise ValueError(f"{what} has values above 2^32 - 1; no format has such codes")


def code_dtype(bits):
    """The unsigned type that holds a code of `bits` bits."""
    return np.uint8 if bits <= 8 else np.uint16 if bits <= 16 else np.uint32


def packed_shape(shape):
    """The shape of packed FP4 codes: the last axis halved (rounded up)."""
    if len(shape) == 0:
        return (1,)
    return tuple(shape[:-1]) + ((shape[-1] + 1) // 2,)


def pack_rows(codes):
    """Packs 4-bit codes two per byte along the last axis, element 2k in the low nibble of byte k
    (PyTorch float4_e2m1fn_x2, OCP MX); an odd row ends with a zero high nibble."""
    c = np.asarray(codes, dtype=np.uint8)
    if c.ndim == 0:
        c = c.reshape(1)
    if c.shape[-1] % 2:
        c = np.concatenate([c, np.zeros(c.shape[:-1] + (1,), np.uint8)], axis=-1)
    return c_order(c[..., 0::2] | (c[..., 1::2] << 4))


def unpack_rows(packed, length):
    """Unpacks bytes of two 4-bit codes along the last axis into rows of `length` codes."""
    b = np.asarray(packed, dtype=np.uint8)
    both = np.stack([b & 0x0F, b >> 4], axis=-1).reshape(b.shape[:-1] + (2 * b.shape[-1],))
    return c_order(both[..., :length])
