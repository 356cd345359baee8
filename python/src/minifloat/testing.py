"""Assertions for quantizer test suites (pytest, unittest): they pass when every element matches
the reference and fail with Minifloat's verify report as the message.

    from minifloat.testing import assert_quantized

    def test_my_fp8_kernel():
        x = np.random.default_rng(0).standard_normal(4096).astype(np.float32)
        assert_quantized(x, my_kernel(x), "e4m3fn", profile="ocp-saturating")
"""

from ._blocks import verify_blocks
from ._verify import verify

__all__ = ["assert_quantized", "assert_blocks_quantized"]


def assert_quantized(x, claimed, fmt, profile=None, rounding=None, saturation=None, **options):
    """Asserts that `claimed` (codes or values, as for minifloat.verify) is exactly the reference
    conversion of `x` to `fmt` under `profile` (or rounding and saturation). On failure raises
    AssertionError whose message is the verify report: the counts by cause, the first mismatches
    with their diagnosis, and "the claims are exactly what ... gives" when another whole-array
    behaviour explains them. Other keyword arguments go to verify (claimed_as, nan_any,
    random_bits, seed, max_mismatches). Returns the Report."""
    __tracebackhide__ = True
    report = verify(x, claimed, fmt, profile=profile, rounding=rounding, saturation=saturation, **options)
    if not report.ok:
        raise AssertionError("\n" + report.text)
    return report


def assert_blocks_quantized(x, scales, elements, fmt, axis=-1, **options):
    """Asserts that block codes (scales, elements) are exactly the reference block quantization of
    `x` (as minifloat.verify_blocks checks them); the message on failure is the block verify report.
    Returns the BlockReport."""
    __tracebackhide__ = True
    report = verify_blocks(x, scales, elements, fmt, axis, **options)
    if not report.ok:
        raise AssertionError("\n" + report.text)
    return report
