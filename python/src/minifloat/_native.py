"""The Swift library, loaded with ctypes, and its entry points (Sources/MinifloatPython).

The library is found, in this order: the path in the MINIFLOAT_LIBRARY environment variable;
next to this file (an installed wheel); in the repository's .build-python/release or
.build/release folder (a checkout, an editable install).
"""

import ctypes
import os
import pathlib
import sys

_NAME = "libMinifloatPython.dylib" if sys.platform == "darwin" else "libMinifloatPython.so"


def _candidates():
    given = os.environ.get("MINIFLOAT_LIBRARY")
    if given:
        return [pathlib.Path(given)]
    here = pathlib.Path(__file__).resolve().parent
    found = [here / _NAME]
    for folder in here.parents:
        if (folder / "Package.swift").exists():
            found += [folder / ".build-python" / "release" / _NAME, folder / ".build" / "release" / _NAME]
            break
    return found


def _load():
    tried = _candidates()
    for path in tried:
        if path.exists():
            return ctypes.CDLL(str(path)), path
    raise ImportError("minifloat: the Swift library was not found (looked at "
                      + ", ".join(str(p) for p in tried)
                      + "); install the package with `python3 -m pip install ./python` or set MINIFLOAT_LIBRARY")


lib, library_path = _load()

_c = ctypes
_str = _c.c_char_p
_ptr = _c.c_void_p
_size = _c.c_ssize_t
_i32 = _c.c_int32
_u64 = _c.c_uint64
_out_str = _c.POINTER(_c.c_void_p)


class VerifyOptions(_c.Structure):
    """minifloat_verify_options (minifloat_verify.h)."""
    _fields_ = [("rounding", _str), ("saturation", _str), ("profile", _str), ("nan_any", _c.c_int),
                ("random_bits", _c.c_uint32), ("seed", _u64), ("max_mismatches", _c.c_size_t), ("threads", _c.c_int)]


def _declare(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


py_free = _declare("minifloat_py_free", None, _ptr)
py_last_error = _declare("minifloat_py_last_error", _str)
py_format_json = _declare("minifloat_py_format_json", _i32, _str, _out_str)
py_catalog_json = _declare("minifloat_py_catalog_json", _i32, _out_str)
py_quantize = _declare("minifloat_py_quantize", _i32, _str, _ptr, _str, _size, _ptr, _size, _i32, _str, _str, _i32,
                       _ptr, _i32, _u64, _i32)
py_quantize_profile = _declare("minifloat_py_quantize_profile", _i32, _str, _ptr, _str, _size, _ptr, _size, _str, _str, _str,
                               _i32)
py_dequantize = _declare("minifloat_py_dequantize", _i32, _str, _ptr, _size, _size, _i32, _ptr, _str, _i32)
py_verify = _declare("minifloat_py_verify", _i32, _str, _ptr, _str, _i32, _c.POINTER(_size), _ptr, _str, _str,
                     _c.POINTER(VerifyOptions), _out_str, _out_str)
verify_default_options = _declare("minifloat_verify_default_options", VerifyOptions)
py_test_vectors = _declare("minifloat_py_test_vectors", _i32, _str, _str, _i32, _c.c_int64, _u64, _str, _str, _i32,
                           _c.POINTER(_c.c_void_p), _c.POINTER(_c.c_void_p), _c.POINTER(_c.c_void_p), _c.POINTER(_size))
py_block_quantize = _declare("minifloat_py_block_quantize", _i32, _str, _size, _ptr, _str, _i32, _c.POINTER(_size), _i32,
                             _str, _str, _str, _str, _i32, _ptr, _i32, _u64, _c.c_double, _i32, _ptr, _ptr,
                             _c.POINTER(_c.c_double))
py_block_dequantize = _declare("minifloat_py_block_dequantize", _i32, _str, _size, _ptr, _ptr, _i32, _c.POINTER(_size),
                               _i32, _c.c_double, _ptr, _str, _i32)
py_block_verify = _declare("minifloat_py_block_verify", _i32, _str, _size, _ptr, _str, _i32, _c.POINTER(_size), _i32,
                           _str, _str, _str, _str, _i32, _i32, _u64, _c.c_double, _i32, _ptr, _ptr, _i32, _size,
                           _out_str, _out_str, _c.POINTER(_size))


class MinifloatError(ValueError):
    """A bad argument, with the one-line message the command line gives for it."""


def check(status):
    """Raises MinifloatError with the library's message when `status` is 2; returns the status."""
    if status == 2:
        raise MinifloatError(py_last_error().decode("utf-8", "replace"))
    return status


def take_string(pointer):
    """The text of a malloc'd C string from the library, which is then freed."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        py_free(pointer)


def encode(text, what):
    """A str argument as UTF-8 bytes for C (TypeError for anything else)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    if "\0" in text:
        raise ValueError(f"{what} must not contain NUL characters")
    return text.encode("utf-8")


def shape_array(shape):
    """A shape as a C array of ssize_t."""
    return (_size * max(1, len(shape)))(*shape)
