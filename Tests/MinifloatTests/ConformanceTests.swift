import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
import Testing

/// The recorded conversions of an NVIDIA H100, CUDA 13.0, PyTorch 2.11, JAX 0.11 and Triton 3.6
/// (Conformance/recordings/h100-2026-11.json), replayed on every input: each differs from the
/// reference exactly in the departures docs/conformance.md lists for it.
@Suite("Conformance recordings")
struct ConformanceTests {
    static let recordings: RecordingSet = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Conformance/recordings/h100-2026-11.json").path
        return try! RecordingSet(json: try! String(contentsOfFile: path, encoding: .utf8))
    }()

    /// What each system does differently from the spec, found by comparing every input
    /// (docs/conformance.md says why each is a choice, a convention or an error). A recording not
    /// listed agrees on every input.
    static let departures: [String: Set<String>] = {
        var table: [String: Set<String>] = [:]
        for source in ["f32", "f16", "bf16"] {
            // Every NVIDIA path (the cvt instruction, the CUDA header functions) and every framework
            // writes NaN as the positive all-ones code; the reference keeps a NaN's sign (E4M3: 0xff
            // for a negative NaN) and uses E5M2's quiet NaN 0x7e. FNUZ formats have one NaN: agree.
            for name in ["ptx_cvt_rn_satfinite_e4m3x2", "ptx_cvt_rn_satfinite_e5m2x2", "nv_fp8_e4m3_satfinite",
                         "nv_fp8_e4m3_nosat", "nv_fp8_e5m2_satfinite", "nv_fp8_e5m2_nosat", "jax_float8_e4m3fn",
                         "jax_float8_e5m2", "torch_float8_e5m2", "triton_rtz_float8_e5m2"] {
                table["\(source)_\(name)"] = ["nan-code"]
            }
            // (PyTorch's E4M3 keeps a float32 or bfloat16 NaN's sign, as the reference does; from
            // float16 it does not: set below.)
            // FP4 and FP6 have no NaN: CUDA turns NaN into the largest positive value, the
            // reference into -0 (it leaves the sign set, as OCP MX v1.0 leaves NaN undefined).
            for name in ["nv_fp4_e2m1_rn", "nv_fp6_e2m3_rn", "nv_fp6_e3m2_rn"] { table["\(source)_\(name)"] = ["nan-to-finite"] }
            // Triton's rtne cast saturates overflow (and infinities) instead of OCP's NaN/Inf.
            table["\(source)_triton_rtne_float8_e4m3fn"] = ["saturation-satfinite", "nan-code"]
            table["\(source)_triton_rtne_float8_e5m2"] = ["saturation-satfinite", "nan-code"]
            // CUDA's E8M0 conversions convert a negative input's magnitude.
            for name in ["nv_e8m0_rz_satfinite", "nv_e8m0_rp_satfinite", "nv_e8m0_rz_nosat", "nv_e8m0_rp_nosat"] {
                table["\(source)_\(name)"] = ["sign-dropped"]
            }
        }
        table["f16_torch_float8_e4m3fn"] = ["nan-code"]
        // JAX's and PyTorch's E8M0: ties away from zero (rna), rounding up below 2^-126 (float32 and
        // bfloat16 subnormals), and zero to NaN (JAX); PyTorch also drops the sign.
        table["f32_jax_float8_e8m0fnu"] = ["rounding-rtp", "rounding-rna", "zero-to-format-without-zero"]
        table["bf16_jax_float8_e8m0fnu"] = ["rounding-rtp", "rounding-rna", "zero-to-format-without-zero"]
        table["f16_jax_float8_e8m0fnu"] = ["rounding-rna", "zero-to-format-without-zero"]
        table["f32_torch_float8_e8m0fnu"] = ["sign-dropped", "rounding-rtp", "sign-dropped-rounding-rtp", "rounding-rna",
                                             "sign-dropped-rounding-rna"]
        table["bf16_torch_float8_e8m0fnu"] = table["f32_torch_float8_e8m0fnu"]
        table["f16_torch_float8_e8m0fnu"] = ["sign-dropped", "rounding-rna", "sign-dropped-rounding-rna"]
        // The CUDA E8M0 functions exist for float32 and bfloat16 only; FP4/FP6/FP8 of all three.
        return table
    }()

    @Test func everyRecordingDiffersExactlyWhereDocumented() throws {
        #expect(Self.recordings.recordings.count == 71)
        try Self.replay(Self.recordings, departures: Self.departures, file: "h100-2026-11.json")
    }

    /// ml_dtypes 0.6.0's casts (Conformance/recordings/ml_dtypes-0.6.0.json, recorded on the CPU by
    /// Conformance/record.py): FP8 agrees everywhere; FP4 and FP6 turn a negative NaN into +0; E8M0
    /// rounds ties up, float32-subnormal inputs up (not from float16, which has none that small) and
    /// zero to NaN.
    @Test func mlDtypesRecordingDiffersExactlyWhereDocumented() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Conformance/recordings/ml_dtypes-0.6.0.json").path
        let set = try RecordingSet(json: try String(contentsOfFile: path, encoding: .utf8))
        #expect(set.recordings.count == 24 && set.recorded.hasPrefix("ml_dtypes 0.6.0"))
        var departures: [String: Set<String>] = [:]
        for source in ["f32", "f16", "bf16"] {
            for type in ["float4_e2m1fn", "float6_e2m3fn", "float6_e3m2fn"] { departures["\(source)_ml_dtypes_\(type)"] = ["nan-to-finite"] }
            departures["\(source)_ml_dtypes_float8_e8m0fnu"] = source == "f16" ? ["rounding-rna", "zero-to-format-without-zero"]
                : ["rounding-rna", "rounding-rtp", "zero-to-format-without-zero"]
        }
        try Self.replay(set, departures: departures, file: "ml_dtypes-0.6.0.json")
    }

    /// Compares every recording of `set` with the reference on every input: the departures found
    /// are `departures[name]` (none when absent), each group's first input is checked against the
    /// oracle, and docs/conformance.md's table for `file` is these results.
    static func replay(_ set: RecordingSet, departures: [String: Set<String>], file: String) throws {
        var results: [ConformanceResult] = []
        for r in set.recordings {
            let result = r.compare()
            results.append(result)
            #expect(result.checked == r.source.inputCount)
            let kinds = Set(result.groups.map(\.departure.key))
            #expect(kinds == (departures[r.name] ?? []), "\(r.name): \(result.groups.map { "\($0.departure.key) \($0.count)" })")
            #expect(result.groups.reduce(0) { $0 + $1.count } == result.differing)
            // Every group's first input, by the exact oracle: the reference code is the oracle's,
            // and the recorded code is the oracle's under the departure's behaviour.
            for g in result.groups {
                let x = r.source.format
                let value = Oracle.decode(g.firstInput, in: x)
                func oracle(_ v: ExactValue, _ m: RoundingMode, _ s: SaturationMode) -> UInt32 {
                    Oracle.Bracket(v, r.format).code(rounding: m, saturation: s)
                }
                #expect(oracle(value, r.rounding, r.saturation) == g.referenceCode, "\(r.name) \(g.departure.key)")
                switch g.departure {
                case .saturation(let s): #expect(oracle(value, r.rounding, s) == g.recordedCode, "\(r.name)")
                case .rounding(let m): #expect(oracle(value, m, r.saturation) == g.recordedCode, "\(r.name)")
                case .signDropped, .signDroppedRounding:
                    let magnitude = Oracle.decode(g.firstInput & ~(r.source == .float32 ? 0x8000_0000 : 0x8000), in: x)
                    var m = r.rounding
                    if case .signDroppedRounding(let other) = g.departure { m = other }
                    #expect(oracle(magnitude, m, r.saturation) == g.recordedCode, "\(r.name)")
                case .nanCode, .nanToFinite, .nanLost: #expect(value.isNaN, "\(r.name)")
                case .zeroToFormatWithoutZero: #expect(value.rational?.sign == 0, "\(r.name)")
                case .unexplained: Issue.record("\(r.name): unexplained differences")
                }
            }
        }
        // docs/conformance.md's table is these results (`minifloat conformance ... --markdown`).
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/conformance.md"), encoding: .utf8)
        let marker = "<!-- generated: minifloat conformance Conformance/recordings/\(file) --markdown -->\n"
        let start = try #require(doc.range(of: marker))
        let end = try #require(doc.range(of: "<!-- end generated -->", range: start.upperBound..<doc.endIndex))
        #expect(String(doc[start.upperBound..<end.lowerBound]) == ConformanceResult.markdownTable(results, recorded: set.recorded),
                "regenerate docs/conformance.md's table with the command in its marker")
    }

    /// The recorded decode tables: every finite and infinite code decodes to its exact value (the
    /// oracle's) on every system; only NaN codes differ, in which NaN: NVIDIA's paths give 0x7fff for
    /// every NaN code, ml_dtypes a negative NaN for the FNUZ code 0x80. docs/conformance.md's
    /// decoding tables are these.
    @Test func decodeTablesDifferOnlyInNaNs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/conformance.md"), encoding: .utf8)
        let expected: [String: Int] = ["dec_nv_e4m3_to_f16": 2, "dec_ptx_e4m3x2_to_f16": 2, "dec_nv_e5m2_to_f16": 6,
                                       "dec_ptx_e5m2x2_to_f16": 6, "dec_nv_e8m0_to_bf16": 1,
                                       "dec_ml_dtypes_float8_e4m3fnuz_to_f16": 1, "dec_ml_dtypes_float8_e5m2fnuz_to_f16": 1]
        for (file, count) in [("h100-2026-11.json", 8), ("ml_dtypes-0.6.0.json", 8)] {
            let set = try RecordingSet(json: try String(contentsOf: root.appendingPathComponent("Conformance/recordings/\(file)"), encoding: .utf8))
            #expect(set.decodes.count == count)
            for t in set.decodes {
                let d = t.differences()
                #expect(d.count == expected[t.name] ?? 0, "\(t.name)")
                #expect(d.allSatisfy { $0.departure == .nanCode && t.format.classify($0.code) == .nan }, "\(t.name)")
                // The agreeing codes, by the oracle's exact value and the target's own decoding.
                for code in 0...t.format.maxCode where !d.contains(where: { $0.code == code }) {
                    let value = Oracle.decode(code, in: t.format), recorded = Oracle.decode(UInt32(t.values[Int(code)]), in: t.target.format)
                    #expect(value == recorded || (value.isNaN && recorded.isNaN && value.isNegativeNaN == recorded.isNegativeNaN),
                            "\(t.name) \(code)")
                }
            }
            let marker = "<!-- generated: minifloat conformance Conformance/recordings/\(file) --decodes --markdown -->\n"
            let start = try #require(doc.range(of: marker))
            let end = try #require(doc.range(of: "<!-- end generated -->", range: start.upperBound..<doc.endIndex))
            #expect(String(doc[start.upperBound..<end.lowerBound]) == DecodeRecording.markdownTable(set.decodes))
        }
        #expect(throws: VerifyError.self) { try DecodeRecording(name: "dec_nv_e4m3_to_f32", values: [0]) }
        #expect(throws: VerifyError.self) { try DecodeRecording(name: "dec_nv_e4m3_to_f16", values: [0, 1]) }
    }

    @Test func blocksDecidedByTheirEndsAgreeWithEveryInput() throws {
        // The shortcut (a block of 2^16 float32 inputs decided from its two ends) against the
        // comparison of every input, on recordings that exercise each kind of block.
        // Every 64th block of the input space and the NaN blocks, for FP4 (agreeing blocks, NaN
        // to a finite code); and where the costly departures are (every input would take a minute
        // each): PyTorch's E8M0 around +-2^-126 (sign dropped, rounding up) and Triton's E4M3
        // around its overflow threshold 464 (saturation), on both signs.
        let around = { (bits: Int) in Array(((bits >> 16) - 96)...((bits >> 16) + 96)) }
        let spread = Array(stride(from: 0, to: 1 << 16, by: 64)) + [0x7F80, 0x7F81, 0x7FFF, 0xFF80, 0xFFFF]
        for (name, blocks) in [("f32_nv_fp4_e2m1_rn", spread),
                               ("f32_torch_float8_e8m0fnu", around(0x0080_0000) + around(0x8080_0000) + [0xC000, 0xFF80]),
                               ("f32_triton_rtne_float8_e4m3fn", around(0x43E8_0000) + around(0xC3E8_0000) + [0x7F80, 0xFF80])] {
            let r = try #require(Self.recordings.recordings.first { $0.name == name })
            let fast = r.compare(threads: nil, inputByInput: false, blocks: blocks)
            let slow = r.compare(threads: nil, inputByInput: true, blocks: blocks)
            #expect(fast.differing == slow.differing && fast.groups == slow.groups, "\(name)")
            #expect(fast.differing > 0 && fast.groups.count >= (name.contains("fp4") ? 1 : 2), "\(name): the blocks hold departures")
        }
    }

    @Test func malformedRecordingsAreRefused() throws {
        for (text, message) in [("{}", "not a recordings file"),
                                (#"{"recorded":"x","recordings":[{"name":"a"}]}"#, "lacks one of"),
                                (#"{"recorded":"x","recordings":[{"name":"a","system":"s","call":"c","source":"float32","format":"e4m3fn","rounding":"rne","saturation":"satnone","starts":[1],"codes":[0]}]}"#, "start at input 0"),
                                (#"{"recorded":"x","recordings":[{"name":"a","system":"s","call":"c","source":"float16","format":"e4m3fn","rounding":"rne","saturation":"satnone","starts":[0,70000],"codes":[0,1]}]}"#, "increase within"),
                                (#"{"recorded":"x","recordings":[{"name":"a","system":"s","call":"c","source":"float32","format":"e2m1fn","rounding":"rne","saturation":"satnone","starts":[0],"codes":[16]}]}"#, "beyond e2m1fn")] {
            #expect { try RecordingSet(json: text) } throws: { ($0 as? VerifyError)?.description.contains(message) == true }
        }
    }
}

@Suite("Conformance command")
struct ConformanceCommandTests {
    @Test func theCommandPrintsTheLibrarysTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Conformance/recordings/h100-2026-11.json").path
        let r = try runMinifloat(["conformance", path, "--markdown", "--only", "f16_"])
        let set = try RecordingSet(json: try String(contentsOfFile: path, encoding: .utf8))
        let expected = ConformanceResult.markdownTable(set.recordings.filter { $0.name.contains("f16_") }.map { $0.compare() },
                                                       recorded: set.recorded)
        #expect(r.status == 0 && r.stdout == expected, "\(r.stderr)")
        let bad = try runMinifloat(["conformance", path, "--only", "nothing-like-this"])
        #expect(bad.status == 2 && bad.stderr.contains("no recording"))
    }
}

/// The system profiles (`--profile torch`, ...) against the recordings: each reproduces every
/// recorded conversion of its system on every input.
@Suite("System profiles")
struct SystemProfileTests {
    static let sets: [RecordingSet] = ["h100-2026-11.json", "ml_dtypes-0.6.0.json"].map { file in
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Conformance/recordings/\(file)").path
        return try! RecordingSet(json: try! String(contentsOfFile: path, encoding: .utf8))
    }

    @Test func everyRecordingIsReproducedByItsProfile() throws {
        var replayed = 0
        for set in Self.sets {
            for r in set.recordings {
                let profile = try #require(SystemProfile.recorded(as: r.system), "\(r.name): no profile for system \(r.system)")
                let (count, first) = try r.differences(from: profile)
                #expect(count == 0, "\(r.name): profile \(profile.name) differs on \(count) inputs, first \(first.map { ConformanceResult.inputText($0, r.source) })")
                replayed += 1
            }
        }
        #expect(replayed == 95)
    }

    @Test func blocksDecidedByTheirEndsAgreeWithEveryInput() throws {
        // Blocks around E8M0's least values (sign dropped, round-up just above 2^-127, zero) and
        // FP4's NaN blocks and a spread of others, with a deliberately wrong profile too, so that
        // both count differences.
        let around = { (bits: Int) in Array(max(0, (bits >> 16) - 96)...((bits >> 16) + 96)) }
        let spread = Array(stride(from: 0, to: 1 << 16, by: 64)) + [0x7F80, 0x7F81, 0x7FFF, 0xFF80, 0xFFFF]
        let recordings = Self.sets.flatMap(\.recordings)
        for (name, blocks, other) in [("f32_nv_fp4_e2m1_rn", spread, SystemProfile.mlDtypes),
                                      ("f32_jax_float8_e8m0fnu", around(0x0040_0000) + around(0x8040_0000), .cuda),
                                      ("f32_torch_float8_e8m0fnu", around(0x0080_0000) + around(0x8080_0000) + [0xC000, 0xFF80], .jax)] {
            let r = try #require(recordings.first { $0.name == name })
            let (own, ownCall) = try r.call(in: try #require(SystemProfile.recorded(as: r.system)))
            let wrong = try #require(other.conversion(to: r.format))
            var counts: [UInt64] = []
            for (conversion, call) in [(own, ownCall), (wrong, wrong.calls[0])] {
                let fast = try r.differences(from: conversion, call: call, keep: 50, threads: nil, inputByInput: false, blocks: blocks)
                let slow = try r.differences(from: conversion, call: call, keep: 50, threads: nil, inputByInput: true, blocks: blocks)
                #expect(fast.count == slow.count && fast.first == slow.first, "\(name) under \(call.name)")
                counts.append(fast.count)
            }
            #expect(counts[0] == 0 && counts[1] > 0, "\(name): \(counts)")
        }
    }

    /// docs/conformance.md's profile tables are the catalog's, as `conformance --profiles` prints them.
    @Test func theDocsShowTheProfiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/conformance.md"), encoding: .utf8)
        let marker = "<!-- generated: minifloat conformance --profiles -->\n"
        let start = try #require(doc.range(of: marker))
        let end = try #require(doc.range(of: "<!-- end generated -->", range: start.upperBound..<doc.endIndex))
        #expect(String(doc[start.upperBound..<end.lowerBound]) == SystemProfile.markdown(), "regenerate with the command in the marker")
        let r = try runMinifloat(["conformance", "--profiles"])
        #expect(r.status == 0 && r.stdout == SystemProfile.markdown())
        // Every profile converts to a format only with calls, and names its evidence.
        for p in SystemProfile.all {
            #expect(SystemProfile.named(p.name)?.name == p.name && !p.conversions.isEmpty)
            for c in p.conversions { #expect(!c.calls.isEmpty && !c.evidence.isEmpty, "\(p.name) \(c.format.name)") }
        }
        #expect(SystemProfile.named("ML-DTYPES")?.name == "ml_dtypes")
    }

    /// The float64 routes: through float32 (ml_dtypes, measured; PyTorch and JAX, from their
    /// source) double-rounds where float32 lands on a midpoint; CUDA's float64 functions round
    /// the double itself and keep a NaN's sign and top payload bits (cuda_fp8.hpp).
    @Test func float64Routes() throws {
        let f = Format.e4m3fn
        func oracle(_ v: ExactValue) -> UInt32 { Oracle.Bracket(v, f).code(rounding: .nearestTiesToEven, saturation: .satNone) }
        // Just above the midpoint of 1 and 1.125 (float32 rounds it onto the midpoint, which ties
        // to even: 1), and just below the midpoint of 1.125 and 1.25 (float32 rounds it up onto the
        // midpoint, which ties to even: 1.25).
        for x in [1 + 0x1p-4 + 0x1p-40, 1.1875 - 0x1p-40, -(1 + 0x1p-4 + 0x1p-40)] {
            let viaFloat32 = oracle(Oracle.nearest(ExactValue(x), in: .binary32)), direct = oracle(ExactValue(x))
            #expect(viaFloat32 != direct)
            for profile in [SystemProfile.torch, .jax, .mlDtypes] {
                let system = try SystemProfileCall(profile, format: f)
                #expect(try system.conversion.code(bits: x.bitPattern, as: .float64, call: system.call) == viaFloat32, "\(profile.name)")
            }
            let cuda = try SystemProfileCall(.cuda, format: f)
            #expect(try cuda.conversion.code(bits: x.bitPattern, as: .float64, call: cuda.call) == direct)
        }
        // NaN payloads through CUDA's double path: sign | 0x7F (E4M3), sign | 0x7E | top two
        // payload bits (E5M2); from float32 every NaN is 0x7F.
        let e5m2 = try SystemProfileCall(.cuda, format: .e5m2), e4m3 = try SystemProfileCall(.cuda, format: f)
        for (bits, e5, e4) in [(0x7FF8_0000_0000_0000 as UInt64, 0x7E as UInt32, 0x7F as UInt32), (0x7FF4_0000_0000_0000, 0x7F, 0x7F),
                               (0xFFF8_0000_0000_0000, 0xFE, 0xFF), (0x7FF0_0000_0000_0001, 0x7E, 0x7F)] {
            #expect(try e5m2.conversion.code(bits: bits, as: .float64, call: e5m2.call) == e5)
            #expect(try e4m3.conversion.code(bits: bits, as: .float64, call: e4m3.call) == e4)
        }
        #expect(try e5m2.conversion.code(bits: 0xFFC0_0000, as: .float32, call: e5m2.call) == 0x7F)
        // No evidence, no answer: CUDA's FP4 from float64, the PTX instruction from bfloat16.
        let fp4 = try SystemProfileCall(.cuda, format: .e2m1fn), ptx = try SystemProfileCall(.cudaPTX, format: f)
        #expect(throws: VerifyError.self) { try fp4.check(source: .float64) }
        #expect(throws: VerifyError.self) { try ptx.check(source: .bfloat16) }
        #expect(throws: VerifyError.self) { try SystemProfileCall(.torch, format: .e2m1fn) }
        #expect(throws: VerifyError.self) { try SystemProfileCall(.cudaPTX, format: f, saturation: .satNone) }
    }
}

/// `quantize --profile` and `verify --profile` on inputs whose codes were recorded: the expected
/// codes are the recordings', not the library's.
@Suite("Profiles on the command line")
struct ProfileCommandTests {
    /// Float32 inputs where the systems differ from the reference and from one another: NaNs of
    /// both signs, zeros, E8M0 ties, negatives and the subnormals just above 2^-127, FP8 overflow.
    static let inputs: [UInt32] = [0x7FC0_0000, 0xFFC0_0000, 0x7F80_0001, 0, 0x8000_0000, 0x4020_0000, 0x4040_0000, 0xC040_0000,
                                   0x0050_0000, 0x0060_0000, 0x8050_0000, 0x3F80_0000, 0x43E8_0000, 0x43F0_0000, 0x7F80_0000,
                                   0xFF80_0000, 0x4770_0000, 0x0000_0001, 0xBE80_0000]

    @Test(arguments: ["f32_torch_float8_e8m0fnu", "f32_jax_float8_e8m0fnu", "f32_nv_e8m0_rp_nosat", "f32_torch_float8_e5m2",
                      "f32_jax_float8_e4m3fn", "f32_triton_rtne_float8_e4m3fn", "f32_ml_dtypes_float4_e2m1fn",
                      "f32_nv_fp6_e3m2_rn"])
    func quantizeAndVerifyReproduceTheRecording(_ name: String) throws {
        let r = try #require(SystemProfileTests.sets.flatMap(\.recordings).first { $0.name == name })
        let profile = try #require(SystemProfile.recorded(as: r.system))
        let (_, call) = try r.call(in: profile)
        let x = try writeNpy(Self.inputs.map { Float(bitPattern: $0) }, .float32)
        let codes = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString)-codes.npy"
        defer { for p in [x, codes] { try? FileManager.default.removeItem(atPath: p) } }
        let modes = ["--rounding", call.rounding.shortName, "--saturation", call.saturation.shortName]
        let q = try runMinifloat(["quantize", r.format.name, "--profile", profile.name, "--input", x, "--output", codes] + modes)
        #expect(q.status == 0, "\(q.stderr)")
        let recorded = Self.inputs.map { UInt64(r.code(at: $0)) }
        let (_, produced) = try readAllBits(codes)
        #expect(produced == recorded, "\(name)")
        if r.format.bitWidth == 4 {
            // Packed (an odd row: its last byte has a zero high nibble), against the recorded codes packed.
            let packedPath = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString)-packed.npy"
            defer { try? FileManager.default.removeItem(atPath: packedPath) }
            let p = try runMinifloat(["quantize", r.format.name, "--profile", profile.name, "--input", x, "--output", packedPath,
                                      "--packed"] + modes)
            #expect(p.status == 0, "\(p.stderr)")
            let (_, bytes) = try readAllBits(packedPath)
            #expect(bytes.map(UInt8.init) == PackedFP4.pack(recorded.map(UInt8.init), rowLength: recorded.count), "\(name) packed")
        }
        // verify --profile accepts exactly the recorded codes.
        let v = try runMinifloat(["verify", r.format.name, "--profile", profile.name, "--input", x, "--claimed", codes] + modes)
        #expect(v.status == 0 && v.stdout.contains("mismatching 0"), "\(v.stdout)\(v.stderr)")
        // One value on the command line (as float32).
        let bits = Self.inputs[5]
        let one = try runMinifloat(["quantize", r.format.name, "--profile", profile.name, "--json", "0x1.4p1"] + modes)
        #expect(Float(bitPattern: bits) == 2.5 && one.stdout.contains("\"code\":\(r.code(at: bits))"), "\(one.stdout)\(one.stderr)")
    }

    @Test func verifyNamesTheSystemAndItsDepartures() throws {
        let r = try #require(SystemProfileTests.sets.flatMap(\.recordings).first { $0.name == "f32_torch_float8_e8m0fnu" })
        let x = try writeNpy(Self.inputs.map { Float(bitPattern: $0) }, .float32)
        let claimed = try writeNpy(Self.inputs.map { UInt8(r.code(at: $0)) }, .uint8)
        defer { for p in [x, claimed] { try? FileManager.default.removeItem(atPath: p) } }
        let v = try runMinifloat(["verify", "e8m0fnu", "--input", x, "--claimed", claimed, "--max-report", "0"])
        #expect(v.status == 1, "\(v.stderr)")
        #expect(v.stdout.contains("the claims are exactly what profile torch (tensor.to(torch.float8_e8m0fnu)) gives"), "\(v.stdout)")
        #expect(v.stdout.contains("sign-dropped: 2"), "\(v.stdout)")  // -3 and -0.25 (the negative subnormal counts as subnormal-input)
        // Bad requests: one line, exit 2.
        for (args, message) in [(["quantize", "e2m1fn", "--profile", "torch", "1"], "converts to e4m3fn, e5m2"),
                                (["quantize", "e4m3fn", "--profile", "cuda-ptx", "--saturation", "satnone", "1"], "rne satfinite only"),
                                (["quantize", "e4m3fn", "--profile", "torch", "--from", "exact", "1"], "typed values"),
                                (["quantize", "e4m3fn", "--profile", "cuda-ptx", "--from", "bf16", "1"], "f32 or f16 values"),
                                (["quantize", "e4m3fn", "--profile", "tensorflow", "1"], "unknown profile"),
                                (["quantize", "e4m3fn", "--profile", "torch", "--random-bits", "4", "1"], "deterministically"),
                                (["quantize", "mxfp4", "--profile", "torch", "1"], "--profile"),
                                (["verify", "e4m3fn", "--profile", "torch", "--input", x, "--claimed", claimed, "--rounding", "rtz"], "rne satnone only")] {
            let bad = try runMinifloat(args)
            #expect(bad.status == 2 && bad.stderr.contains(message) && bad.stderr.split(separator: "\n").count == 1, "\(args): \(bad.stderr)")
        }
    }
}
