import Minifloat

// The profiles, from the recordings in Conformance/recordings (h100-2026-11.json: NVIDIA H100,
// CUDA 13.0, PyTorch 2.11, JAX 0.11, Triton 3.6; ml_dtypes-0.6.0.json: ml_dtypes 0.6.0 on the CPU).
// ConformanceTests replays every recording through its profile on every input, and checks each
// float64 route that was measured; docs/conformance.md is generated from these definitions.

extension SystemProfile {
    /// Every system profile.
    public static let all: [SystemProfile] = [cudaPTX, cuda, torch, jax, mlDtypes, triton]

    /// The profile called `name` (any letter case; `ml-dtypes` for `ml_dtypes`), or nil.
    public static func named(_ name: String) -> SystemProfile? {
        func key(_ s: String) -> String { String(s.lowercased().map { $0 == "-" ? "_" : $0 }) }
        return all.first { key($0.name) == key(name) }
    }

    /// The profile whose recordings carry `system` (`ptx`, `cuda`, `torch`, ...), or nil.
    public static func recorded(as system: String) -> SystemProfile? {
        all.first { $0.recordedSystem == system }
    }

    private static let halvesAndSingle: [FloatSource: SourceRoute] = [.float32: .direct, .float16: .direct, .bfloat16: .direct]
    private static let withFloat64ThroughFloat32 = halvesAndSingle.merging([.float64: .throughFloat32]) { a, _ in a }
    private static let recordedTypes: [FloatSource] = [.float32, .float16, .bfloat16]

    /// A conversion with one call, taking float32, float16 and bfloat16 directly and float64
    /// through float32 (the frameworks).
    private static func oneCall(_ format: String, _ call: String, _ rounding: RoundingMode, _ saturation: SaturationMode,
                                _ rules: [SystemRule], evidence: String) -> SystemConversion {
        SystemConversion(format: try! Format.named(format),
                         calls: [SystemCall(name: call, rounding: rounding, saturation: saturation, sources: withFloat64ThroughFloat32)],
                         rules: rules, evidence: evidence)
    }

    /// The FP8 instruction of NVIDIA Hopper (sm_90), `cvt.rn.satfinite.{e4m3x2,e5m2x2}.{f32,f16x2}`.
    public static let cudaPTX = SystemProfile(
        name: "cuda-ptx", recordedSystem: "ptx",
        summary: "The PTX instruction cvt.rn.satfinite.{e4m3x2,e5m2x2}.{f32,f16x2} on an NVIDIA H100 (sm_90).",
        conversions: [("e4m3fn", "e4m3x2"), ("e5m2", "e5m2x2")].map { format, type in
            SystemConversion(
                format: try! Format.named(format),
                calls: [SystemCall(name: "cvt.rn.satfinite.\(type)", rounding: .nearestTiesToEven, saturation: .satFinite,
                                   sources: [.float32: .direct, .float16: .direct])],
                rules: [.nanCode(0x7F, sources: [.float32, .float16])],
                evidence: "recorded on an H100: every float32 and float16 input (f32_ptx_cvt_rn_satfinite_\(type), "
                    + "f16_ptx_cvt_rn_satfinite_\(type)); the instruction takes no float64 or bfloat16 source")
        })

    /// The CUDA 13.0 header functions `__nv_cvt_*_to_fp8/fp6/fp4/e8m0` in device code.
    public static let cuda: SystemProfile = {
        let fp8Sources = halvesAndSingle.merging([.float64: .direct]) { a, _ in a }
        func fp8(_ format: String, _ name: String) -> SystemConversion {
            SystemConversion(
                format: try! Format.named(format),
                calls: [(SaturationMode.satFinite, "__NV_SATFINITE"), (.satNone, "__NV_NOSAT")].map { s, flag in
                    SystemCall(name: "__nv_cvt_*_to_fp8(\(flag), \(name))", rounding: .nearestTiesToEven, saturation: s,
                               sources: fp8Sources)
                },
                rules: [.nanCode(0x7F, sources: recordedTypes), .nanSignAndPayload(base: format == "e5m2" ? 0x7E : 0x7F, sources: [.float64])],
                evidence: "recorded on an H100: every float32, float16 and bfloat16 input of both saturation modes. "
                    + "float64 (not recorded): __nv_cvt_double_to_fp8 in cuda_fp8.hpp rounds the double's own bits "
                    + "to nearest even, and gives a NaN its sign bit with 0x7F (E4M3), or with 0x7E and the payload's "
                    + "top two bits (E5M2), as read in CUDA 12.2's header; the float32 functions canonicalise NaN to "
                    + "0x7FFFFFFF first")
        }
        func small(_ format: String, _ call: String, nan: UInt32) -> SystemConversion {
            SystemConversion(
                format: try! Format.named(format),
                calls: [SystemCall(name: call, rounding: .nearestTiesToEven, saturation: .satFinite, sources: halvesAndSingle)],
                rules: [.nanCode(nan, sources: recordedTypes)],
                evidence: "recorded on an H100: every float32, float16 and bfloat16 input; float64 not recorded")
        }
        let e8m0Calls = [(RoundingMode.towardZero, "cudaRoundZero"), (.towardPositive, "cudaRoundPosInf")].flatMap { r, mode in
            [(SaturationMode.satFinite, "__NV_SATFINITE"), (.satNone, "__NV_NOSAT")].map { s, flag in
                SystemCall(name: "__nv_cvt_*_to_e8m0(\(flag), \(mode))", rounding: r, saturation: s,
                           sources: s == .satFinite ? [.float32: .direct, .bfloat16: .direct] : [.float32: .direct])
            }
        }
        return SystemProfile(
            name: "cuda", recordedSystem: "cuda",
            summary: "The CUDA 13.0 conversion functions of cuda_fp8.h, cuda_fp6.h and cuda_fp4.h in device code on an NVIDIA H100.",
            conversions: [
                fp8("e4m3fn", "__NV_E4M3"), fp8("e5m2", "__NV_E5M2"),
                small("e2m3fn", "__nv_cvt_*_to_fp6(__NV_E2M3, cudaRoundNearest)", nan: 0x1F),
                small("e3m2fn", "__nv_cvt_*_to_fp6(__NV_E3M2, cudaRoundNearest)", nan: 0x1F),
                small("e2m1fn", "__nv_cvt_*_to_fp4(__NV_E2M1, cudaRoundNearest)", nan: 0x7),
                SystemConversion(
                    format: .e8m0fnu, calls: e8m0Calls, rules: [.magnitudeOfNegative],
                    evidence: "recorded on an H100: every float32 input of the four calls and every bfloat16 "
                        + "input of the two __NV_SATFINITE ones; float16 and float64 not recorded"),
            ])
    }()

    /// PyTorch 2.11 `tensor.to(dtype)` on a CUDA device.
    public static let torch: SystemProfile = {
        let evidence = "recorded on an H100 (PyTorch 2.11.0+cu130): every float32, float16 and bfloat16 input. float64 "
            + "(not recorded): c10's float8 types are constructed from float only (c10/util/Float8_*-inl.h), so a "
            + "double is rounded to float first"
        func fp8(_ format: String, _ dtype: String, _ rules: [SystemRule], rounding: RoundingMode = .nearestTiesToEven) -> SystemConversion {
            oneCall(format, "tensor.to(torch.\(dtype))", rounding, .satNone, rules, evidence: evidence)
        }
        return SystemProfile(
            name: "torch", recordedSystem: "torch",
            summary: "PyTorch 2.11 tensor.to(dtype) on a CUDA device (NVIDIA H100).",
            conversions: [
                fp8("e4m3fn", "float8_e4m3fn", [.nanCode(0x7F, sources: [.float16])]),
                fp8("e5m2", "float8_e5m2", [.nanCode(0x7F, sources: [.float16]),
                                             .nanCodeBySign(positive: 0x7F, negative: 0xFF, sources: [.float32, .bfloat16])]),
                fp8("e4m3fnuz", "float8_e4m3fnuz", []),
                fp8("e5m2fnuz", "float8_e5m2fnuz", []),
                fp8("e8m0fnu", "float8_e8m0fnu", [.magnitudeOfNegative, .aboveLeastRoundsUp], rounding: .nearestTiesToAway),
            ])
    }()

    /// JAX 0.11 `x.astype(dtype)` under `jax.jit` on a CUDA device.
    public static let jax: SystemProfile = {
        let evidence = "recorded on an H100 (JAX 0.11.2, XLA CUDA backend): every float32, float16 and bfloat16 input. "
            + "float64 (not recorded): with jax_enable_x64 off, the default, JAX stores a float64 array as float32 when "
            + "it is created, so the cast sees the float32 value"
        func conversion(_ format: String, _ dtype: String, _ saturation: SaturationMode, _ rules: [SystemRule],
                        rounding: RoundingMode = .nearestTiesToEven) -> SystemConversion {
            oneCall(format, "x.astype(jnp.\(dtype))", rounding, saturation, rules, evidence: evidence)
        }
        return SystemProfile(
            name: "jax", recordedSystem: "jax",
            summary: "JAX 0.11 x.astype(dtype) under jax.jit on a CUDA device (NVIDIA H100).",
            conversions: [
                conversion("e4m3fn", "float8_e4m3fn", .satNone, [.nanCode(0x7F, sources: recordedTypes)]),
                conversion("e5m2", "float8_e5m2", .satNone, [.nanCode(0x7F, sources: recordedTypes)]),
                conversion("e4m3fnuz", "float8_e4m3fnuz", .satNone, []),
                conversion("e5m2fnuz", "float8_e5m2fnuz", .satNone, []),
                conversion("e2m1fn", "float4_e2m1fn", .satFinite, []),
                conversion("e8m0fnu", "float8_e8m0fnu", .satNone, [.zeroCode(0xFF), .aboveLeastRoundsUp],
                           rounding: .nearestTiesToAway),
            ])
    }()

    /// ml_dtypes 0.6 `x.astype(dtype)` (NumPy, CPU).
    public static let mlDtypes: SystemProfile = {
        let evidence = "recorded with ml_dtypes 0.6.0 (NumPy 2.4.6, x86_64): every float32, float16 and bfloat16 input. "
            + "float64 measured: x.astype equals x.astype(float32).astype on 4 million random float64 inputs and the "
            + "special values (the tests compare the profile with ml_dtypes itself on float64 data)"
        func conversion(_ format: String, _ dtype: String, _ saturation: SaturationMode, _ rules: [SystemRule],
                        rounding: RoundingMode = .nearestTiesToEven) -> SystemConversion {
            oneCall(format, "x.astype(ml_dtypes.\(dtype))", rounding, saturation, rules, evidence: evidence)
        }
        let fp4NaN = SystemRule.nanCodeBySign(positive: 0x8, negative: 0x0, sources: recordedTypes)
        let fp6NaN = SystemRule.nanCodeBySign(positive: 0x20, negative: 0x0, sources: recordedTypes)
        return SystemProfile(
            name: "ml_dtypes", recordedSystem: "ml_dtypes",
            summary: "ml_dtypes 0.6 x.astype(dtype) on NumPy arrays (CPU).",
            conversions: [
                conversion("e4m3fn", "float8_e4m3fn", .satNone, []),
                conversion("e5m2", "float8_e5m2", .satNone, []),
                conversion("e4m3fnuz", "float8_e4m3fnuz", .satNone, []),
                conversion("e5m2fnuz", "float8_e5m2fnuz", .satNone, []),
                conversion("e2m3fn", "float6_e2m3fn", .satFinite, [fp6NaN]),
                conversion("e3m2fn", "float6_e3m2fn", .satFinite, [fp6NaN]),
                conversion("e2m1fn", "float4_e2m1fn", .satFinite, [fp4NaN]),
                conversion("e8m0fnu", "float8_e8m0fnu", .satNone, [.zeroCode(0xFF), .aboveLeastRoundsUp],
                           rounding: .nearestTiesToAway),
            ])
    }()

    /// Triton 3.6 `x.to(dtype, fp_downcast_rounding=...)` in a kernel on an NVIDIA H100.
    public static let triton: SystemProfile = {
        func conversion(_ format: String, _ dtype: String, rtz: Bool) -> SystemConversion {
            var calls = [SystemCall(name: "x.to(tl.\(dtype), fp_downcast_rounding='rtne')", rounding: .nearestTiesToEven,
                                    saturation: .satFinite, sources: halvesAndSingle)]
            if rtz {
                calls.append(SystemCall(name: "x.to(tl.\(dtype), fp_downcast_rounding='rtz')", rounding: .towardZero,
                                        saturation: .satNone, sources: [.float32: .direct]))
            }
            return SystemConversion(
                format: try! Format.named(format), calls: calls, rules: [.nanCode(0x7F, sources: recordedTypes)],
                evidence: "recorded on an H100 (Triton 3.6.0, sm_90): every float32, float16 and bfloat16 input of 'rtne'"
                    + (rtz ? ", every float32 input of 'rtz' (the only rtz cast Triton compiled there)" : "")
                    + "; 'rtne' saturates overflow and infinity (its documentation does not say so); float64 not recorded")
        }
        return SystemProfile(
            name: "triton", recordedSystem: "triton",
            summary: "Triton 3.6 x.to(dtype, fp_downcast_rounding=...) in a kernel on an NVIDIA H100 (sm_90).",
            conversions: [conversion("e4m3fn", "float8_e4m3fn", rtz: false), conversion("e5m2", "float8_e5m2", rtz: true)])
    }()
}
