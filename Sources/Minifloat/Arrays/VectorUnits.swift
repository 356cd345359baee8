internal import CMinifloatKernels

/// The vector unit the array paths' C kernels (`Sources/CMinifloatKernels`) are run for: the
/// widest this processor has (AVX-512 with F, DQ, BW and VL; AVX2 with F16C; or the build's
/// baseline), unless the environment variable `MINIFLOAT_KERNELS` lowers it to `baseline` or
/// `avx2` (to compare or test the versions). Read once per process. Every version gives the same
/// results; only speed differs.
public enum VectorUnits {
    static let level: Int32 = minifloat_kernels_level()

    /// The unit in use, as `MINIFLOAT_KERNELS` spells it: "avx512", "avx2" or "baseline".
    public static var name: String { ["baseline", "avx2", "avx512"][Int(level)] }
}
