internal import CMinifloatKernels

/// Block encoding of contiguous float32 blocks (along the last axis, or gathered from another) in one pass per block, in C
/// (CMinifloatKernels: `minifloat_encode_mx_float32`, `minifloat_encode_nvfp4_float32`,
/// `minifloat_encode_mx_float32_stochastic`, `minifloat_encode_nvfp4_float32_stochastic`), and of
/// blocks along another axis 16 side by side (`..._columns`), at every vector level. Each
/// computes what the Swift block loop (``BlockFormat/encodeBlocksFast``) computes, without its
/// intermediate buffers; the few elements it cannot finish are reported so that the caller
/// redoes them exactly.
enum BlockFloat32Kernel: Sendable {
    /// MX: the block's largest finite magnitude, its E8M0 scale code from ``ScaleThresholds``,
    /// each element times `2^-k` (clamped as the Swift loop clamps it) through the element kernel
    /// of ``Float32NormalKernel`` and the element's bucket table. Reports products that may be
    /// inexact (below 2^-126) where that can change a code (rtp, rtn, rto; see
    /// `minifloat_encode_mx_float32`). Under stochastic rounding, each group of 16 products is rounded
    /// with its R_i in registers, and whole blocks are reported for the caller to redo (a NaN or
    /// Inf, a product that may be inexact or is outside the element's normal range).
    case mx(MX)
    /// NVFP4: the scale code from ``ScaleThresholds``, each element by ``E2M1Thresholds``. A
    /// scale code with a zero divisor has every threshold at +Inf, so finite elements give +-0
    /// and infinite ones +-6: what E2M1 gives for `x / 0` (0 with x's sign) and for +-Inf in
    /// every mode and saturation (it has no Inf), checked when the kernel is made. Reports nothing.
    case nvfp4(NVFP4)
    /// NVFP4 under stochastic element rounding: the scale code from ``ScaleThresholds``, each
    /// element's code as floor(u + c), u its E2M1 grid index with fraction from the quotient by
    /// the block's divisor (float32 lanes for at most 23 random bits, double lanes above) and c
    /// from its random value (P3109 v4.0 section 4.2; values beyond 6 give +-6: the kernel is made
    /// only when the saturation clamps so for every random value, checked with the scalar codec).
    /// Reports whole blocks for the caller to redo: a NaN or Inf, a length that is not a multiple
    /// of 16, an element within a rounding error of a decision (C's ties among them).
    case nvfp4Stochastic(NVFP4Stochastic)

    struct MX: Sendable {
        let thresholds: ScaleThresholds
        let table: [UInt32]
        let kernel: Float32NormalKernel
        let clampBits: UInt32
        let nanScale: UInt32
        let nanPolicy: Bool
        let twosComplement: Bool
        /// The plan of a stochastic element rounding (then `table` is empty), or nil.
        let stochastic: Float32NormalKernel.StochasticPlan?
    }

    struct NVFP4: Sendable {
        let thresholds: ScaleThresholds
        let elements: E2M1Thresholds
        let nanScale: UInt32
        let nanPolicy: Bool
        let symmetric: Bool
        let nanCodes: (UInt8, UInt8)
    }

    struct NVFP4Stochastic: Sendable {
        let thresholds: ScaleThresholds
        let elements: E2M1Thresholds
        let nanScale: UInt32
        let nanPolicy: Bool
        /// 0, 1, 2: P3109's StochasticA, B, C.
        let variant: Int32
    }

    /// The kernel for this format and encoding, or nil where none applies (an MX element format
    /// without the float32 kernel, a saturation under which NVFP4's E2M1 does not clamp as the
    /// kernel assumes). Used at every level: on the SSE2 baseline too it is faster than the Swift
    /// loop (one thread, `minifloat bench` with `MINIFLOAT_KERNELS=baseline`, docs/performance.md:
    /// MXFP8 2.04-2.07 against 2.22 ns per element, NVFP4 1.73-1.77 against 3.0; under
    /// stochastic rounding MXFP8 2.3 against 2.8).
    init?(_ encoder: BlockEncoder, thresholds: ScaleThresholds, elementTable: E2M1Thresholds?) {
        let format = encoder.format, encoding = encoder.encoding
        let nanScale = format.scale.nanCode(), nanPolicy = encoding.specials == .nanScale
        if let elementTable {
            let element = format.element
            let most = element.maxFiniteMagnitude
            if encoding.rounding.isStochastic {
                guard encoder.stochasticE2M1ClampsBeyondSix else { return nil }
                let (variant, _) = encoding.rounding.stochasticVariant
                self = .nvfp4Stochastic(NVFP4Stochastic(thresholds: thresholds, elements: elementTable, nanScale: nanScale,
                                                        nanPolicy: nanPolicy, variant: Int32(variant)))
                return
            }
            guard element.encode(Double.infinity, rounding: encoding.rounding, saturation: encoding.saturation) == most,
                  element.encode(-Double.infinity, rounding: encoding.rounding, saturation: encoding.saturation)
                      == most | element.signMask else { return nil }
            let symmetric = encoding.rounding != .towardPositive && encoding.rounding != .towardNegative
            self = .nvfp4(NVFP4(thresholds: thresholds, elements: elementTable, nanScale: nanScale, nanPolicy: nanPolicy,
                                symmetric: symmetric,
                                nanCodes: (UInt8(truncatingIfNeeded: element.encode(Double(Float(bitPattern: 0x7FC0_0000)))),
                                           UInt8(truncatingIfNeeded: element.encode(Double(Float(bitPattern: 0xFFC0_0000)))))))
            return
        }
        guard !format.hasTensorScale, format.element.bucketTablesApply, format.scale.parameters == Format.e8m0fnu.parameters,
              let kernel = Float32NormalKernel(format.element, rounding: encoding.rounding) else { return nil }
        let stochastic = encoding.rounding.isStochastic
        self = .mx(MX(thresholds: thresholds,
                      table: stochastic ? [] : Float32BucketTable.shared(format.element, encoding.rounding, encoding.saturation).entries,
                      kernel: kernel,
                      clampBits: encoding.saturation == .satNone ? 0x7F80_0000 : Float(format.largestElement).bitPattern,
                      nanScale: nanScale, nanPolicy: nanPolicy, twosComplement: format.elementStorage == .twosComplement,
                      stochastic: stochastic ? kernel.plan(encoding.rounding) : nil))
    }

    /// Encodes the `count` float32s at `source` as consecutive blocks of `blockSize` (the last may
    /// be shorter): scale codes to `scales`, stored element codes to `elements`. Returns true when
    /// the caller must redo some elements (see the cases).
    func encode(_ source: UnsafePointer<UInt32>, count: Int, blockSize: Int, scales: UnsafeMutablePointer<UInt8>,
                elements: UnsafeMutablePointer<UInt8>) -> Bool {
        switch self {
        case .mx(let mx):
            var constants = mx.kernel.cKernel
            return mx.table.withUnsafeBufferPointer { table in
                mx.thresholds.withTable { scale in
                    var blocks = minifloat_mx_blocks(scale: scale, clamp_bits: mx.clampBits, nan_scale: mx.nanScale,
                                                     nan_policy: mx.nanPolicy ? 1 : 0, twos_complement: mx.twosComplement ? 1 : 0)
                    return minifloat_encode_mx_float32(&constants, table.baseAddress, &blocks, source, count, blockSize,
                                                       scales, elements, VectorUnits.level) != 0
                }
            }
        case .nvfp4(let nv):
            nv.elements.table.withUnsafeBufferPointer { thresholds in
                nv.thresholds.withTable { scale in
                    var blocks = minifloat_nvfp4_blocks(scale: scale, thresholds: thresholds.baseAddress, nan_scale: nv.nanScale,
                                                        nan_policy: nv.nanPolicy ? 1 : 0, symmetric: nv.symmetric ? 1 : 0,
                                                        nan_codes: nv.nanCodes)
                    minifloat_encode_nvfp4_float32(&blocks, source, count, blockSize, scales, elements, VectorUnits.level)
                }
            }
            return false
        case .nvfp4Stochastic:
            preconditionFailure("stochastic rounding encodes with encodeStochastic")
        }
    }

    /// Blocks along an axis other than the last: `width` blocks (a multiple
    /// of 16) side by side, element j < `rows` of block c at `source[j * stride + c]`, which is
    /// element `first + j * stride + c` of the array (under stochastic rounding it takes that
    /// R_i from `stream`), its stored code to `elements[j * stride + c]`, block c's scale code to
    /// `scales[c]`. `redo[c]` is set nonzero for each block whose element codes the caller must
    /// compute: deterministic, all of them when some product may be inexact (as
    /// ``encode(_:count:blockSize:scales:elements:)`` reports); stochastic, the 16 blocks of a
    /// strip with a product the kernel does not take (as ``encodeStochastic(_:count:blockSize:first:stream:scales:elements:redo:)``
    /// reports them; NVFP4, those `minifloat_encode_nvfp4_float32_columns_stochastic` reports);
    /// NVFP4 under deterministic rounding, none. Every scale code is written.
    func encodeColumns(_ source: UnsafePointer<UInt32>, rows: Int, width: Int, stride: Int, first: Int, stream: RandomStream?,
                       scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>, redo: UnsafeMutablePointer<UInt8>) {
        if case .nvfp4(let nv) = self {
            nv.elements.table.withUnsafeBufferPointer { thresholds in
                nv.thresholds.withTable { scale in
                    var blocks = minifloat_nvfp4_blocks(scale: scale, thresholds: thresholds.baseAddress, nan_scale: nv.nanScale,
                                                        nan_policy: nv.nanPolicy ? 1 : 0, symmetric: nv.symmetric ? 1 : 0,
                                                        nan_codes: nv.nanCodes)
                    minifloat_encode_nvfp4_float32_columns(&blocks, source, rows, width, stride, scales, elements, VectorUnits.level)
                }
            }
            redo.update(repeating: 0, count: width)
            return
        }
        if case .nvfp4Stochastic(let nv) = self {
            guard let stream else { preconditionFailure("stochastic rounding needs its random values") }
            nv.withConstants(stream) { blocks, random in
                minifloat_encode_nvfp4_float32_columns_stochastic(&blocks, &random, source, rows, width, stride, UInt64(first), scales,
                                                                  elements, redo, VectorUnits.level)
            }
            return
        }
        guard case .mx(let mx) = self else { preconditionFailure("unreachable: every kernel is MX or NVFP4") }
        var constants = mx.kernel.cKernel
        mx.thresholds.withTable { scale in
            var blocks = minifloat_mx_blocks(scale: scale, clamp_bits: mx.clampBits, nan_scale: mx.nanScale,
                                             nan_policy: mx.nanPolicy ? 1 : 0, twos_complement: mx.twosComplement ? 1 : 0)
            if let plan = mx.stochastic {
                guard let stream else { preconditionFailure("stochastic rounding needs its random values") }
                var random = mx.kernel.cStochastic(plan, seed: stream.seed, values: stream.values, bits: UInt32(stream.bits))
                minifloat_encode_mx_float32_columns_stochastic(&constants, &blocks, &random, source, rows, width, stride, UInt64(first),
                                                               scales, elements, redo, VectorUnits.level)
            } else {
                let report = mx.table.withUnsafeBufferPointer { table in
                    minifloat_encode_mx_float32_columns(&constants, table.baseAddress, &blocks, source, rows, width, stride,
                                                        scales, elements, VectorUnits.level)
                }
                redo.update(repeating: report != 0 ? 1 : 0, count: width)
            }
        }
    }

    /// Whether the kernel rounds stochastically (then ``encodeStochastic(_:count:blockSize:first:stream:scales:elements:redo:)``
    /// encodes with it).
    var isStochastic: Bool {
        switch self {
        case .mx(let mx): return mx.stochastic != nil
        case .nvfp4: return false
        case .nvfp4Stochastic: return true
        }
    }

    /// Stochastic element rounding (``isStochastic``): encodes the `count` float32s at `source`,
    /// element k taking R_(first + k) from `stream`, as consecutive blocks of `blockSize`;
    /// `redo[t]` is nonzero for each block t whose element codes the caller must compute (see
    /// `minifloat_encode_mx_float32_stochastic` and `minifloat_encode_nvfp4_float32_stochastic`).
    /// Scale codes are all written.
    func encodeStochastic(_ source: UnsafePointer<UInt32>, count: Int, blockSize: Int, first: Int, stream: RandomStream,
                          scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>,
                          redo: UnsafeMutablePointer<UInt8>) {
        switch self {
        case .mx(let mx):
            var constants = mx.kernel.cKernel
            var random = mx.kernel.cStochastic(mx.stochastic!, seed: stream.seed, values: stream.values, bits: UInt32(stream.bits))
            mx.thresholds.withTable { scale in
                var blocks = minifloat_mx_blocks(scale: scale, clamp_bits: mx.clampBits, nan_scale: mx.nanScale,
                                                 nan_policy: mx.nanPolicy ? 1 : 0, twos_complement: mx.twosComplement ? 1 : 0)
                minifloat_encode_mx_float32_stochastic(&constants, &blocks, &random, source, count, blockSize, UInt64(first),
                                                       scales, elements, redo, VectorUnits.level)
            }
        case .nvfp4Stochastic(let nv):
            nv.withConstants(stream) { blocks, random in
                minifloat_encode_nvfp4_float32_stochastic(&blocks, &random, source, count, blockSize, UInt64(first), scales,
                                                          elements, redo, VectorUnits.level)
            }
        case .nvfp4:
            preconditionFailure("deterministic rounding encodes with encode")
        }
    }
}

extension BlockFloat32Kernel.NVFP4Stochastic {
    /// The constants as the C kernels take them, with `stream`'s random source, valid inside `body`.
    func withConstants(_ stream: RandomStream,
                       _ body: (inout minifloat_nvfp4_stochastic_blocks, inout minifloat_stochastic) -> Void) {
        // Only the random source is read (the increments are the normal-range kernel's).
        var random = minifloat_stochastic(increment_right: 0, increment_left: 0, increment_add: 0, round_bits: 0,
                                          seed: stream.seed, values: stream.values, bits: UInt32(stream.bits),
                                          subnormal_multiplier: 0, wide_fraction_scale: 0, wide_threshold: 0, wide_ties_to_even: 0)
        elements.reciprocals.withUnsafeBufferPointer { reciprocals in
            elements.reciprocals32.withUnsafeBufferPointer { reciprocals32 in
                thresholds.withTable { scale in
                    var blocks = minifloat_nvfp4_stochastic_blocks(scale: scale, reciprocals: reciprocals.baseAddress,
                                                                   reciprocals32: reciprocals32.baseAddress, nan_scale: nanScale,
                                                                   nan_policy: nanPolicy ? 1 : 0, variant: variant)
                    body(&blocks, &random)
                }
            }
        }
    }
}

extension ScaleThresholds {
    /// The tables as the C kernels take them, valid inside `body`.
    func withTable<R>(_ body: (minifloat_scale_table) -> R) -> R {
        buckets.withUnsafeBufferPointer { buckets in
            bucketThresholds.withUnsafeBufferPointer { bucketThresholds in
                starts.withUnsafeBufferPointer { starts in
                    body(minifloat_scale_table(buckets: buckets.baseAddress, bucket_thresholds: bucketThresholds.baseAddress,
                                               starts: starts.baseAddress, start_count: UInt32(starts.count)))
                }
            }
        }
    }
}

extension BlockEncoder {
    /// Whether, under this stochastic encoding, the element format (NVFP4's E2M1) gives +-6 for
    /// every value beyond 6 (7, which rounds up to the overflow for the largest R, and far beyond),
    /// for R = 0 and 2^N - 1 and both signs: what the vector stochastic steps assume.
    var stochasticE2M1ClampsBeyondSix: Bool {
        let element = format.element, most = element.maxFiniteMagnitude
        let bits = encoding.rounding.randomBits
        for r in [0, (UInt64(1) << UInt64(bits)) - 1] {
            for x in [7.0, Double.greatestFiniteMagnitude] {
                let mode = encoding.rounding.withRandom(r)
                guard element.encode(x, rounding: mode, saturation: encoding.saturation) == most,
                      element.encode(-x, rounding: mode, saturation: encoding.saturation) == most | element.signMask
                else { return false }
            }
        }
        return true
    }
}
