import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
import Testing

/// `quantize`/`decode` for block formats: the files the commands write hold what the exact oracle
/// gives, in the layouts documented (scale shape, FP4 packing, Fortran order), and bad input is one
/// line and exit status 2.
@Suite("Block commands")
struct BlockCommandTests {
    static func directory() -> String { NSTemporaryDirectory() + "minifloat-blocks-\(UUID().uuidString)" }

    /// A small awkward array: mixed magnitudes per row, a NaN, an infinity, a zero row, ties.
    static func values(rows: Int, columns: Int) -> [Float] {
        var r = SplitMix64(seed: 99)
        return (0..<(rows * columns)).map { i -> Float in
            let row = i / columns
            if row == 2 { return 0 }
            if i == 7 { return .nan }
            if i == 11 { return -.infinity }
            let e = Float(sign: .plus, exponent: row * 7 - 10, significand: 1)
            return e * Float(Int(r.next() % 200) - 100) / 16
        }
    }

    /// The oracle's codes for `xs` (C-order `shape`, blocks along `axis`), by explicit multi-indices.
    static func oracle(_ xs: [Float], shape: [Int], axis: Int, _ f: BlockFormat, _ e: BlockEncoding,
                       tensorScale: Rational) -> (scales: [UInt32], elements: [UInt32]) {
        BlockTests.oracleEncode(xs.map { ExactValue($0) }, shape: shape, axis: axis, format: f, encoding: e,
                                tensorScale: tensorScale, random: nil)
    }

    @Test("quantize --output-dir: C order, last axis, MXFP4 packed; decode back")
    func mxfp4Directory() throws {
        let shape = [5, 37]
        let xs = Self.values(rows: 5, columns: 37)
        let input = try writeNpy(xs, .float32, shape: shape)
        let dir = Self.directory()
        let r = try runMinifloat(["quantize", "mxfp4", "--input", input, "--output-dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let f = BlockFormat.mxfp4
        let want = Self.oracle(xs, shape: shape, axis: 1, f, BlockEncoding(for: f), tensorScale: Rational(1))
        let (s, sBits) = try readAllBits(dir + "/scales.npy")
        #expect(s.shape == [5, 2] && s.elementType == .uint8)
        #expect(sBits.map { UInt32($0) } == want.scales)
        let (e, eBits) = try readAllBits(dir + "/elements.npy")
        #expect(e.shape == [5, 19])  // 37 codes per row: 18 full bytes and one with a zero high nibble
        let unpacked = BlockFormat.unpackNibbles(eBits.map { UInt8($0) }, rowLength: 37)
        #expect(unpacked.map { UInt32($0) } == want.elements)
        #expect(eBits.enumerated().allSatisfy { $0.offset % 19 != 18 || $0.element >> 4 == 0 })
        // Decode: each value is the oracle's exact element * scale, rounded once to float32.
        let output = dir + "/y.npy"
        let d = try runMinifloat(["decode", "mxfp4", "--input-dir", dir, "--output", output])
        #expect(d.status == 0, "\(d.stderr)")
        let (y, yBits) = try readAllBits(output)
        #expect(y.shape == shape && y.elementType == .float32)
        for i in 0..<xs.count {
            let v = BlockOracle.decode(element: want.elements[i], scale: want.scales[i / 37 * 2 + i % 37 / 32], format: f)
            let got = Float(bitPattern: UInt32(yBits[i]))
            let expected = Float(Oracle.nearestDouble(v))
            #expect(got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN), "element \(i)")
        }
    }

    /// A 0-d input is one block of one element, and decodes back to a 0-d array (it came back as (1,)).
    @Test("A 0-d input keeps its shape through quantize and decode")
    func zeroDimensionalInput() throws {
        let input = try writeNpy([Float(3.5)], .float32, shape: [])
        let dir = Self.directory()
        let r = try runMinifloat(["quantize", "mxfp4", "--input", input, "--output-dir", dir])
        #expect(r.status == 0 && r.stdout.hasPrefix("mxfp4 float32 () axis 0: 1 blocks"), "\(r.stdout) \(r.stderr)")
        let output = dir + "/y.npy"
        #expect(try runMinifloat(["decode", "mxfp4", "--input-dir", dir, "--output", output]).status == 0)
        let (y, yBits) = try readAllBits(output)
        // The oracle: one block of 3.5, scale 2^floor(log2 3.5) - 2 = 2^-1 (OCP MX v1.0 section 6.3), element 3.5 / 0.5 = 7 -> 6.
        let want = Self.oracle([3.5], shape: [1], axis: 0, .mxfp4, BlockEncoding(for: .mxfp4), tensorScale: Rational(1))
        let v = Float(Oracle.nearestDouble(BlockOracle.decode(element: want.elements[0], scale: want.scales[0], format: .mxfp4)))
        #expect(y.shape == [] && yBits.map { Float(bitPattern: UInt32($0)) } == [v])
    }

    @Test("Fortran order, axis 0, NVFP4 with a given tensor scale; MXFP8 unpacked along axis 0")
    func fortranAndNVFP4() throws {
        let shape = [6, 35]
        let xs = Self.values(rows: 6, columns: 35)
        // Store the same logical array in Fortran order.
        var fortran = [Float](repeating: 0, count: xs.count)
        for i in 0..<6 { for j in 0..<35 { fortran[j * 6 + i] = xs[i * 35 + j] } }
        let input = try writeNpy(fortran, .float32, shape: shape, fortran: true)
        let dir = Self.directory()
        let r = try runMinifloat(["quantize", "nvfp4", "--input", input, "--output-dir", dir, "--axis", "1",
                                  "--tensor-scale", "0x1.8p-6", "--block-size", "8", "--scale-rule", "even"])
        #expect(r.status == 0, "\(r.stderr)")
        let f = BlockFormat.nvfp4.withBlockSize(8)
        let want = Self.oracle(xs, shape: shape, axis: 1, f, BlockEncoding(for: f, scaleRule: .even),
                               tensorScale: Rational(3, 128))
        let (s, sBits) = try readAllBits(dir + "/scales.npy")
        #expect(s.shape == [6, 5] && s.fortranOrder)
        let (e, eBits) = try readAllBits(dir + "/elements.npy")
        #expect(e.shape == [3, 35] && e.fortranOrder)  // packed along the first (contiguous) axis
        let codes = BlockFormat.unpackNibbles(eBits.map { UInt8($0) }, rowLength: 6)
        for i in 0..<6 {
            for j in 0..<35 {
                #expect(UInt32(codes[j * 6 + i]) == want.elements[i * 35 + j], "element (\(i), \(j))")
            }
            for b in 0..<5 { #expect(UInt32(sBits[b * 6 + i]) == want.scales[i * 5 + b], "scale (\(i), \(b))") }
        }
        let (_, tBits) = try readAllBits(dir + "/tensor_scale.npy")
        #expect(tBits == [UInt64(Float(0x1.8p-6).bitPattern)])
        let y = dir + "/y.npy"
        #expect(try runMinifloat(["decode", "nvfp4", "--input-dir", dir, "--output", y, "--output-dtype", "f64"]).status == 0)
        let (yArray, yBits) = try readAllBits(y)
        #expect(yArray.fortranOrder && yArray.shape == shape)
        for i in 0..<6 {
            for j in 0..<35 {
                let v = BlockOracle.decode(element: want.elements[i * 35 + j], scale: want.scales[i * 5 + j / 8], format: f,
                                           tensorScale: Rational(3, 128))
                let got = Double(bitPattern: yBits[j * 6 + i])
                #expect(ExactValue(got) == v || (got.isNaN && v.isNaN), "value (\(i), \(j))")
            }
        }
        // MXFP8 along axis 0 of the C-order array: 6 rows, blocks of 4 -> 2 blocks per column.
        let cInput = try writeNpy(xs, .float32, shape: shape)
        let dir8 = Self.directory()
        #expect(try runMinifloat(["quantize", "mxfp8_e5m2", "--input", cInput, "--output-dir", dir8, "--axis", "0",
                                  "--block-size", "4", "--specials", "finite-amax", "--rounding", "rtz"]).status == 0)
        let f8 = BlockFormat.mxfp8e5m2.withBlockSize(4)
        let want8 = Self.oracle(xs, shape: shape, axis: 0, f8,
                                BlockEncoding(for: f8, rounding: .towardZero, specials: .finiteAmax), tensorScale: Rational(1))
        #expect(try readAllBits(dir8 + "/scales.npy").1.map { UInt32($0) } == want8.scales)
        #expect(try readAllBits(dir8 + "/elements.npy").1.map { UInt32($0) } == want8.elements)
    }

    @Test("Values on the command line: the worked example")
    func commandLine() throws {
        let r = try runMinifloat(["quantize", "mxfp8_e4m3", "957", "960", "-3.5", "--json"])
        #expect(r.status == 0)
        // floor(log2 960) - 8 = 1: scale 2; 957/2 = 478.5 clamps to 448; -3.5/2 = -1.75 = -1.11b (0xbe).
        #expect(r.stdout.contains(#""input":"957","block":0,"scale":"0x80","scale_value":"2","element":"0x7e","element_value":"448","value":"896""#))
        #expect(r.stdout.contains(#""input":"-3.5","block":0,"scale":"0x80","scale_value":"2","element":"0xbe","element_value":"-1.75","value":"-3.5""#))
    }

    @Test("Bad block input: exit 2, one line, nothing written", arguments: [
        ["quantize", "mxfp4", "1", "--scale-rule", "round"],
        ["quantize", "mxfp4", "1", "--tensor-scale", "0.5"],
        ["quantize", "nvfp4", "1", "--tensor-scale", "0.1"],
        ["quantize", "nvfp4", "1", "--tensor-scale", "-2"],
        ["quantize", "mxfp4", "1", "--axis", "1"],
        ["quantize", "mxfp4", "1", "--block-size", "0"],
        ["quantize", "mxfp8", "1", "--unpacked"],
        ["quantize", "mxfp4", "1", "--specials", "drop"],
        ["quantize", "mxfp4", "1", "--output", "x.npy"],
        ["quantize", "mxfp4", "1", "--rounding", "sra", "--random-bits", "4"],
        ["quantize", "e4m3fn", "1", "--scale-rule", "floor"],
        ["quantize", "mxfp5", "1"],
        ["decode", "mxfp4", "--scales", "/nonexistent.npy", "--elements", "/nonexistent.npy"],
        ["decode", "mxfp4"],
        ["decode", "nvfp4", "--input-dir", "/nonexistent-dir"],
        ["decode", "e4m3fn", "0x7e", "--axis", "0"],
    ])
    func badInput(arguments: [String]) throws {
        let r = try runMinifloat(arguments)
        #expect(r.status == 2, "\(arguments)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(arguments): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "x.npy"))
    }

    @Test("decode checks the files against block.json")
    func decodeMismatches() throws {
        let input = try writeNpy(Self.values(rows: 2, columns: 40), .float32, shape: [2, 40])
        let dir = Self.directory()
        #expect(try runMinifloat(["quantize", "mxfp4", "--input", input, "--output-dir", dir]).status == 0)
        let wrongFormat = try runMinifloat(["decode", "mxfp8_e4m3", "--input-dir", dir])
        #expect(wrongFormat.status == 2 && wrongFormat.stderr.contains("holds mxfp4 blocks"))
        let wrongSize = try runMinifloat(["decode", "mxfp4", "--input-dir", dir, "--block-size", "16"])
        #expect(wrongSize.status == 2 && wrongSize.stderr.contains("blocks of 32"))
        // Explicit files with too few scales for the shape.
        let scales = try writeNpy([UInt8](repeating: 127, count: 3), .uint8)
        let r = try runMinifloat(["decode", "mxfp4", "--scales", scales, "--elements", dir + "/elements.npy", "--packed"])
        #expect(r.status == 2 && r.stderr.contains("need 4"), "\(r.stderr)")
    }

    // MARK: verify

    /// Verifies claimed codes for a float32 input with the library (`BlockVerifier`, what
    /// `minifloat verify FORMAT --claimed-scales ... --claimed-elements ...` prints): the reference
    /// is `f`'s default encoding; `packed` claims are FP4 bytes along the last axis.
    static func verify(_ f: BlockFormat, _ xs: [Float], shape: [Int], scales: [UInt8], elements: [UInt8],
                       packed: Bool = false, tensorScale: Float? = nil) -> BlockVerifyReport {
        let data = BlockArray(values: .float(xs), shape: shape, typeName: "float32")
        let verifier = BlockVerifier(format: f, encoding: BlockEncoding(for: f), data: data, axis: shape.count - 1,
                                     tensorScale: tensorScale, seed: nil, threads: 1)
        let unpacked = packed ? PackedFP4.unpack(elements, rowLength: shape.last!) : elements
        return verifier.verify(claimedScales: scales, claimedElements: unpacked, packed: packed, maxMismatches: 10)
    }

    /// Midpoints of E2M1 times 4: exact ties under a scale of 4. The second row's amax, 28, gets
    /// scale 4 by the floor rule (28/4 = 7 clamps to 6) and 8 by the ceil rule.
    static let ties: [Float] = [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, -0.25, -2.5, -5, 7, 1, 0, 3, -6, 0.5].map { $0 * 4 }

    @Test("verify: correct claims pass; other scale rules and tie-breaks are named")
    func verifyDiagnoses() throws {
        let f = BlockFormat.mxfp4.withBlockSize(8)
        let shape = [2, 8]
        let xs = Self.ties
        let exact = Self.oracle(xs, shape: shape, axis: 1, f, BlockEncoding(for: f), tensorScale: Rational(1))
        let ok = Self.verify(f, xs, shape: shape, scales: exact.scales.map { UInt8($0) }, elements: exact.elements.map { UInt8($0) })
        #expect(ok.mismatching == 0, "\(ok.text)")
        #expect(ok.text.contains("scales: 2 checked, 2 match, 0 differ"))
        // Ties away from zero in the elements.
        let rna = Self.oracle(xs, shape: shape, axis: 1, f, BlockEncoding(for: f, rounding: .nearestTiesToAway), tensorScale: Rational(1))
        #expect(rna.scales == exact.scales)
        let tie = Self.verify(f, xs, shape: shape, scales: rna.scales.map { UInt8($0) }, elements: rna.elements.map { UInt8($0) })
        let differing = zip(rna.elements, exact.elements).filter { $0 != $1 }.count
        #expect(differing > 0)
        #expect(tie.elements.mismatching == differing && tie.scales.mismatching == 0)
        #expect(tie.elements.explanations == [.init(cause: .tieBreak(matches: .nearestTiesToAway), count: differing)], "\(tie.text)")
        #expect(tie.text.contains("the claimed elements are exactly what rna satfinite gives"))
        // Scales by the ceil rule, elements rounded under those scales: only the scales differ.
        let ceil = Self.oracle(xs, shape: shape, axis: 1, f, BlockEncoding(for: f, scaleRule: .ceil), tensorScale: Rational(1))
        #expect(ceil.scales != exact.scales)
        let rule = Self.verify(f, xs, shape: shape, scales: ceil.scales.map { UInt8($0) }, elements: ceil.elements.map { UInt8($0) })
        #expect(rule.scales.mismatching == zip(ceil.scales, exact.scales).filter { $0 != $1 }.count)
        #expect(rule.scales.matchesRules.first == "ceil", "\(rule.text)")
        #expect(rule.elements.checked == 16 && rule.elements.mismatching == 0)
        // Packed with the nibbles the other way round.
        let swapped = PackedFP4.pack(exact.elements.map { UInt8($0) }, rowLength: 8).map { $0 >> 4 | $0 << 4 }
        let packed = Self.verify(f, xs, shape: shape, scales: exact.scales.map { UInt8($0) }, elements: swapped, packed: true)
        #expect(packed.elements.mismatching > 0)
        #expect(packed.elements.matchesBehaviours == ["the reference with FP4 nibbles swapped (element 2k in the high nibble)"],
                "\(packed.text)")
    }

    @Test("verify NVFP4: elements computed by float32 division are recognised")
    func verifyFloat32Division() throws {
        let f = BlockFormat.nvfp4
        let t = Float(0x1.234568p-3)  // a tensor scale with a full significand: block scales are not Floats
        let tr = Rational(exactly: Double(t))
        // Blocks [A, x, 0, ...]: A fixes the scale S; x is near a grid point or midpoint m * S, chosen so
        // that rounding float32(x / float32(S)) differs from rounding the exact x / S.
        var values: [Float] = []
        var blocks = 0
        search: for code in UInt32(0x30)...UInt32(0x58) {
            let a = Float(6 * Format.ue4m3.decode(code) * Double(t))
            let sc = BlockOracle.scaleCode(amax: Rational(exactly: Double(a)), format: f, rule: .ceil, tensorScale: tr)
            let S = Format.ue4m3.decode(sc) * Double(t)
            for m in [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0, 1, 2, 3] {
                var x = Float(m * S).nextDown.nextDown
                for _ in 0..<5 {
                    let exact = Oracle.round(.finite(negative: false, magnitude: Rational(exactly: Double(x)) / Rational(exactly: S)),
                                             to: .e2m1fn, rounding: .nearestTiesToEven, saturation: .satFinite)
                    let float32 = Oracle.round(ExactValue(x / Float(S)), to: .e2m1fn, rounding: .nearestTiesToEven, saturation: .satFinite)
                    if exact != float32 {
                        values += [a, x] + [Float](repeating: 0, count: 14)
                        blocks += 1
                        if blocks == 12 { break search }
                        break
                    }
                    x = x.nextUp
                }
            }
        }
        #expect(blocks == 12)
        let shape = [values.count]
        let exact = Self.oracle(values, shape: shape, axis: 0, f, BlockEncoding(for: f), tensorScale: tr)
        // The claims: the reference scales; elements rounded from float32(x / float32(scale)).
        var claimed = exact.elements.map { UInt8($0) }
        for b in 0..<blocks {
            let s32 = Float(Format.ue4m3.decode(exact.scales[b]) * Double(t))
            for i in (b * 16)..<(b * 16 + 2) {
                claimed[i] = UInt8(Oracle.round(ExactValue(values[i] / s32), to: .e2m1fn, rounding: .nearestTiesToEven,
                                                saturation: .satFinite))
            }
        }
        let differing = zip(claimed, exact.elements).filter { UInt32($0) != $1 }.count
        #expect(differing >= 12)
        let r = Self.verify(f, values, shape: shape, scales: exact.scales.map { UInt8($0) }, elements: claimed, tensorScale: t)
        #expect(r.elements.checked == values.count && r.elements.mismatching == differing, "\(r.text)")
        #expect(r.elements.matchesBehaviours.first == "float32 division x / scale, then rne", "\(r.text)")
        #expect(r.elements.explanations == [.init(cause: .doubleRounding(through: .float32), count: differing)], "\(r.text)")
    }

    @Test("verify: bad block input", arguments: [
        ["--claimed-elements"], ["--claimed-scales"], ["--claimed"], ["--short-scales"], ["--short-elements"],
        ["--transposed-scales"], ["--fortran-elements"],
    ])
    func verifyBadInput(arguments: [String]) throws {
        let xs: [Float] = [1, 2, 3, 4]
        let input = try writeNpy(xs, .float32)
        let s = try writeNpy([UInt8(127)], .uint8)
        let e = try writeNpy([UInt8](repeating: 2, count: 4), .uint8)
        var args = ["verify", "mxfp8_e4m3", "--input", input]
        switch arguments[0] {
        case "--claimed-elements": args += ["--claimed-elements", e]
        case "--claimed-scales": args += ["--claimed-scales", s]
        case "--claimed": args += ["--claimed-scales", s, "--claimed-elements", e, "--claimed", e]
        case "--short-scales": args += ["--claimed-scales", try writeNpy([UInt8](), .uint8), "--claimed-elements", e]
        case "--short-elements": args += ["--claimed-scales", s, "--claimed-elements", try writeNpy([UInt8(1), 2, 3], .uint8)]
        case "--transposed-scales":
            // A 4 x 64 input has scales of shape (4, 2); the claim has shape (2, 4).
            let x2 = try writeNpy([Float](repeating: 1, count: 256), .float32, shape: [4, 64])
            args = ["verify", "mxfp8_e4m3", "--input", x2, "--claimed-scales", try writeNpy([UInt8](repeating: 127, count: 8), .uint8, shape: [2, 4]),
                    "--claimed-elements", try writeNpy([UInt8](repeating: 0x38, count: 256), .uint8, shape: [4, 64])]
        default:
            let x2 = try writeNpy([Float](repeating: 1, count: 128), .float32, shape: [4, 32])
            args = ["verify", "mxfp8_e4m3", "--input", x2, "--claimed-scales", try writeNpy([UInt8](repeating: 127, count: 4), .uint8),
                    "--claimed-elements", try writeNpy([UInt8](repeating: 0x38, count: 128), .uint8, shape: [4, 32], fortran: true)]
        }
        let r = try runMinifloat(args)
        #expect(r.status == 2, "\(args)")
        #expect(r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test("Text input: exact decimals rounded by the oracle, for quantize and verify")
    func textInput() throws {
        let lines = ["0.1", "-2.5", "7", "1/3", "0", "1e-3", "-6.0001", "0.75"]
        let path = try temporaryFile(Array(lines.joined(separator: "\n").utf8), suffix: ".txt")
        let dir = Self.directory()
        let f = BlockFormat.mxfp6e2m3.withBlockSize(4)
        let r = try runMinifloat(["quantize", "mxfp6_e2m3", "--input", path, "--output-dir", dir, "--block-size", "4",
                                  "--scale-rule", "ties-up"])
        #expect(r.status == 0, "\(r.stderr)")
        let exact = try lines.map { try ExactValue(parsing: $0) }
        let encoding = BlockEncoding(for: f, scaleRule: .tiesUp)
        let want = (0..<2).map { b in
            BlockOracle.encodeBlock(Array(exact[(4 * b)..<(4 * b + 4)]), format: f, encoding: encoding)
        }
        #expect(try readAllBits(dir + "/scales.npy").1.map { UInt32($0) } == want.map(\.scale))
        #expect(try readAllBits(dir + "/elements.npy").1.map { UInt32($0) } == want.flatMap(\.elements))
        // verify the same text input against those files: everything matches.
        let v = try runMinifloat(["verify", "mxfp6_e2m3", "--input", path, "--claimed-scales", dir + "/scales.npy",
                                  "--claimed-elements", dir + "/elements.npy", "--block-size", "4", "--scale-rule", "ties-up"])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        #expect(v.stdout.contains("elements (under the claimed scales): 8 checked, 8 match, 0 differ"))
    }
}
