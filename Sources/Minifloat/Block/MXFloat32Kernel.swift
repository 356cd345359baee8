internal import CMinifloatKernels

/// MX encoding of float32 blocks along the contiguous axis in one pass per block, in C
/// (`minifloat_encode_mx_float32`, CMinifloatKernels): the block's largest finite magnitude, its
/// scale code from ``ScaleThresholds``, each element times `2^-k` (clamped as
/// ``BlockFormat/encodeBlocksFast`` clamps it) through the element kernel of
/// ``Float32NormalKernel`` and the element's bucket table, for deterministic element rounding. It
/// computes what the Swift block loop computes, without the intermediate buffers; elements whose
/// product may be inexact (below 2^-126) are reported so that the caller redoes them exactly.
struct MXFloat32Kernel: Sendable {
    let thresholds: ScaleThresholds
    let table: [UInt32]
    let kernel: Float32NormalKernel
    let clampBits: UInt32
    let nanScale: UInt32
    let nanPolicy: Bool
    let twosComplement: Bool

    /// The kernel for this format and encoding, or nil where it does not apply (NVFP4, stochastic
    /// element rounding, an element format without the float32 kernel) and on the baseline vector
    /// unit, where the Swift loop is faster (2.1 against 2.9 ns per element for MXFP8 from float32
    /// on SSE2, `minifloat bench` with `MINIFLOAT_KERNELS=baseline`, docs/performance.md).
    init?(_ encoder: BlockEncoder, thresholds: ScaleThresholds) {
        let format = encoder.format, encoding = encoder.encoding
        guard VectorUnits.level > 0, !format.hasTensorScale, !encoding.rounding.isStochastic, format.element.bucketTablesApply,
              format.scale.parameters == Format.e8m0fnu.parameters,
              let kernel = Float32NormalKernel(format.element, rounding: encoding.rounding) else { return nil }
        self.thresholds = thresholds
        self.table = Float32BucketTable.shared(format.element, encoding.rounding, encoding.saturation).entries
        self.kernel = kernel
        self.clampBits = encoding.saturation == .satNone ? 0x7F80_0000 : Float(format.largestElement).bitPattern
        self.nanScale = format.scale.nanCode()
        self.nanPolicy = encoding.specials == .nanScale
        self.twosComplement = format.elementStorage == .twosComplement
    }

    /// Encodes the `count` float32s at `source` as consecutive blocks of `blockSize` (the last may
    /// be shorter): scale codes to `scales`, stored element codes to `elements`. Returns true when
    /// some element's product may be inexact (the caller redoes those with the exact step).
    func encode(_ source: UnsafePointer<UInt32>, count: Int, blockSize: Int, scales: UnsafeMutablePointer<UInt8>,
                elements: UnsafeMutablePointer<UInt8>) -> Bool {
        var constants = kernel.cKernel
        return table.withUnsafeBufferPointer { table in
            thresholds.buckets.withUnsafeBufferPointer { buckets in
                thresholds.bucketThresholds.withUnsafeBufferPointer { bucketThresholds in
                    thresholds.starts.withUnsafeBufferPointer { starts in
                        var blocks = minifloat_mx_blocks(
                            buckets: buckets.baseAddress, bucket_thresholds: bucketThresholds.baseAddress,
                            starts: starts.baseAddress, start_count: UInt32(starts.count), clamp_bits: clampBits,
                            nan_scale: nanScale, nan_policy: nanPolicy ? 1 : 0, twos_complement: twosComplement ? 1 : 0)
                        return minifloat_encode_mx_float32(&constants, table.baseAddress, &blocks, source, count, blockSize,
                                                           scales, elements, VectorUnits.level) != 0
                    }
                }
            }
        }
    }
}
