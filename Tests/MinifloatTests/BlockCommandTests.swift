import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
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
                                tensorScale: tensorScale, random: nil, nanNegative: xs.map { $0.isNaN && $0.sign == .minus })
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
                #expect(ExactValue(got) == v || (got.isNaN && v == .nan), "value (\(i), \(j))")
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
}
