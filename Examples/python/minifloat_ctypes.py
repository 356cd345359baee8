"""Calls libMinifloatC from Python with ctypes: no build step, no dependency beyond NumPy.

    swift build -c release --product MinifloatC
    python3 Examples/python/minifloat_ctypes.py .build/release/libMinifloatC.so
"""
import ctypes
import sys

import numpy as np

lib = ctypes.CDLL(sys.argv[1] if len(sys.argv) > 1 else ".build/release/libMinifloatC.so")
lib.minifloat_format_named.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.minifloat_format_name.restype = ctypes.c_char_p
lib.minifloat_format_name.argtypes = [ctypes.c_void_p]
lib.minifloat_last_error.restype = ctypes.c_char_p
lib.minifloat_encode_double.argtypes = [ctypes.c_void_p, ctypes.c_double, ctypes.c_int, ctypes.c_int,
                                        ctypes.c_uint32, ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint32)]
lib.minifloat_encode_float_array.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                             ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_uint32,
                                             ctypes.c_uint64, ctypes.c_int]
lib.minifloat_decode_float_array.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t,
                                             ctypes.c_void_p, ctypes.c_int]
RNE, RNA, RTZ = 0, 1, 2
SATNONE, SATFINITE = 0, 1


def format_named(name):
    handle = ctypes.c_void_p()
    if lib.minifloat_format_named(name.encode(), ctypes.byref(handle)) != 0:
        raise ValueError(lib.minifloat_last_error().decode())
    return handle


def quantize(fmt, x, rounding=RNE, saturation=SATFINITE, threads=0):
    """float32 array -> uint8 codes (formats of at most 8 bits)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    codes = np.empty(x.shape, dtype=np.uint8)
    status = lib.minifloat_encode_float_array(fmt, x.ctypes.data, x.size, codes.ctypes.data, 1, rounding,
                                              saturation, 0, 0, threads)
    if status != 0:
        raise ValueError(lib.minifloat_last_error().decode())
    return codes


def dequantize(fmt, codes, threads=0):
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    values = np.empty(codes.shape, dtype=np.float32)
    if lib.minifloat_decode_float_array(fmt, codes.ctypes.data, codes.size, 1, values.ctypes.data, threads) != 0:
        raise ValueError(lib.minifloat_last_error().decode())
    return values


e4m3fn = format_named("e4m3fn")
x = np.array([464, 464.0001, 0.1, -1000, 2.5], dtype=np.float32)
codes = quantize(e4m3fn, x)
print("format", lib.minifloat_format_name(e4m3fn).decode())
print("codes ", " ".join(f"0x{c:02x}" for c in codes))
print("values", dequantize(e4m3fn, codes))
code = ctypes.c_uint32()
lib.minifloat_encode_double(e4m3fn, 464.0001, RNE, SATNONE, 0, 0, ctypes.byref(code))
print("464.0001 non-saturating:", hex(code.value))
try:
    format_named("e4m3fx")
except ValueError as error:
    print("error:", error)
