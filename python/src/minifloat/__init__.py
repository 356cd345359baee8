"""Minifloat: the exact reference for low-precision floating point (FP4, FP6, FP8, MX, NVFP4 and any
custom EeMm format), for NumPy arrays.

    import numpy as np, minifloat
    x = np.array([0.1, 448.5, -3e-3], np.float32)
    codes = minifloat.quantize(x, "e4m3fn")              # uint8 codes, rounded once, ties to even
    minifloat.dequantize(codes, "e4m3fn")                # their exact values as float32
    minifloat.verify(x, my_codes, "e4m3fn").ok           # check another quantizer, with diagnoses

Every conversion rounds each element once from its exact value (IEEE P3109, OCP OFP8 v1.0, OCP MX
v1.0 semantics; docs/semantics.md in the repository). Arrays of any shape and order go in, arrays
of the same shape come out; the work runs in the Swift library on all cores, without per-element
Python. Bad arguments raise ValueError (minifloat.MinifloatError) or TypeError with a one-line
message.
"""

__version__ = "0.1.0.dev0"

from ._native import MinifloatError
from ._formats import Format, formats
from ._quantize import quantize, dequantize, round_to
from ._verify import Mismatch, Report, verify, test_vectors
from ._blocks import BlockCodes, BlockReport, quantize_blocks, dequantize_blocks, verify_blocks
from . import testing

__all__ = [
    "MinifloatError", "Format", "formats", "quantize", "dequantize", "round_to", "verify", "Report", "Mismatch",
    "test_vectors", "quantize_blocks", "dequantize_blocks", "verify_blocks", "BlockCodes", "BlockReport", "testing",
]
