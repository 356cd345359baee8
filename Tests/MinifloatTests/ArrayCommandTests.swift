import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import Testing

/// Writes a little-endian `.npy` of `T` (4 or 8 bytes, or Float16) and returns its path.
func writeNpy<T>(_ values: [T], _ type: ElementType, shape: [Int]? = nil, fortran: Bool = false,
                 suffix: String = ".npy") throws -> String {
    let path = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString)\(suffix)"
    let header = NpyHeader(elementType: type, shape: shape ?? [values.count], fortranOrder: fortran)
    try values.withUnsafeBytes { try ArrayOutput.write($0, header: header, to: path) }
    return path
}

func readAllBits(_ path: String) throws -> (ArrayInput, [UInt64]) {
    let a = try ArrayInput(path: path)
    return (a, (0..<a.count).map { a.bits(at: $0) })
}

@Suite("Array commands")
struct ArrayCommandTests {
    /// float32 inputs near every code, its midpoints, the overflow threshold and the subnormals.
    static func inputs(_ f: Format, count: Int) -> [Float] {
        var state: UInt64 = 99
        return (0..<count).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let x = Float(GenerativeTests.input(kind: i % 5, f, state))  // rounded to float32: fine, it is the input
            return x
        }
    }

    @Test(arguments: [("e4m3fn", "rne", "satfinite"), ("e5m2", "rna", "satnone"), ("e2m1fn", "rtz", "satfinite"),
                      ("e3m4", "rto", "satpropagate"), ("e8m0", "rtp", "satfinite"), ("p3109_k8p3se", "rtn", "satnone"), ("p3109_k8p3ue", "rne", "satfinite")])
    func quantizeMatchesOracle(format: String, rounding: String, saturation: String) throws {
        let f = try Format.named(format)
        let mode = try #require(RoundingMode.deterministic.first { $0.shortName == rounding })
        let sat: SaturationMode = saturation == "satfinite" ? .satFinite : saturation == "satnone" ? .satNone : .satPropagate
        let xs = Self.inputs(f, count: 3000)
        let input = try writeNpy(xs, .float32, shape: [60, 50], fortran: true)
        let output = input + ".codes.npy"
        defer { for p in [input, output] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try runMinifloat(["quantize", format, "--input", input, "--output", output,
                                  "--rounding", rounding, "--saturation", saturation])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let (a, codes) = try readAllBits(output)
        #expect(a.shape == [60, 50] && a.fortranOrder && a.elementType == .uint8)
        let expected = xs.map { UInt64(oracleCode(Double($0), f, mode, sat)) }
        #expect(codes == expected)
        // Decode back to float64: the exact values of the codes (all are doubles for these formats).
        let values = input + ".values.npy"
        defer { try? FileManager.default.removeItem(atPath: values) }
        let d = try runMinifloat(["decode", format, "--input", output, "--output", values, "--output-dtype", "f64"])
        #expect(d.status == 0, "\(d.stderr)")
        let (v, bits) = try readAllBits(values)
        #expect(v.shape == [60, 50] && v.fortranOrder && v.elementType == .float64)
        for (b, c) in zip(bits, codes) {
            let got = Double(bitPattern: b)
            let want = Oracle.decode(UInt32(c), in: f)
            #expect(got.isNaN ? want.isNaN : ExactValue(got) == want)
        }
    }

    @Test func sourcesPackingAndStochastic() throws {
        let f = Format.e2m1fn
        let xs = Self.inputs(f, count: 1001)
        let halves = xs.map { Float16($0) }
        let input = try writeNpy(halves, .float16)
        let packed = input + ".packed.npy", sr = input + ".sr.npy"
        defer { for p in [input, packed, sr] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try runMinifloat(["quantize", "e2m1fn", "--input", input, "--output", packed, "--packed"])
        #expect(r.status == 0, "\(r.stderr)")
        let (a, bytes) = try readAllBits(packed)
        #expect(a.shape == [501])
        for (i, x) in halves.enumerated() {
            let code = bytes[i / 2] >> UInt64(4 * (i % 2)) & 0xF
            #expect(code == UInt64(oracleCode(Double(x), f, .nearestTiesToEven, .satNone)), "element \(i)")
        }
        #expect(bytes[500] >> 4 == 0)  // odd tail: high nibble 0
        // Stochastic: R_i is the top N bits of word i of the seeded stream (SplitMix64's output i / 2, a half).
        let s = try runMinifloat(["quantize", "e2m1fn", "--input", input, "--output", sr, "--rounding", "srb",
                                  "--random-bits", "5", "--seed", "77"])
        #expect(s.status == 0, "\(s.stderr)")
        let (_, codes) = try readAllBits(sr)
        for (i, x) in halves.enumerated() {
            let random = seededRandom(seed: 77, index: i, bits: 5)
            let want = oracleCode(Double(x), f, .stochasticB(bits: 5, random: random), .satNone)
            #expect(codes[i] == UInt64(want), "element \(i)")
        }
    }

    /// `--packed` keeps the array's shape: rows along the storage-contiguous axis (the last for C
    /// order, the first for Fortran order) packed on their own, an odd row ending in a zero nibble;
    /// decode --packed --count gives the array back and verify reads it in the same layout. The
    /// expected bytes are built here from the unpacked codes (checked against the oracle by
    /// quantizeMatchesOracle); the three large shapes cover rows longer than a chunk and chunks of
    /// many odd rows (rows of one code take a byte each).
    @Test func packedKeepsTheShape() throws {
        let cases: [([Int], Bool)] = [([3, 5], false), ([5, 3], true), ([7], false), ([], false), ([4, 6], true),
                                      ([2, 1, 3], true), ([2, 1_048_579], false), ([349_527, 3], false),
                                      ([1_100_001, 1], false)]
        for (shape, fortran) in cases {
            let n = shape.reduce(1, *)
            var state: UInt64 = 7
            let xs = (0..<n).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state) >> 40) / Float(1 << 21)
            }
            let input = try writeNpy(xs, .float32, shape: shape, fortran: fortran)
            let codes = input + ".c.npy", packed = input + ".p.npy", back = input + ".d.npy", backCodes = input + ".dc.npy"
            let flipped = input + ".q.npy"
            defer { for p in [input, codes, packed, back, backCodes, flipped] { try? FileManager.default.removeItem(atPath: p) } }
            let label = "\(shape) \(fortran ? "F" : "C")"
            for (out, extra) in [(codes, [String]()), (packed, ["--packed"])] {
                let r = try runMinifloat(["quantize", "e2m1fn", "--input", input, "--output", out] + extra)
                try #require(r.status == 0, "\(label): \(r.stderr)")
            }
            let (_, c) = try readAllBits(codes)
            let (p, bytes) = try readAllBits(packed)
            let rowLength = shape.isEmpty ? 1 : fortran ? shape[0] : shape[shape.count - 1]
            let rowBytes = (rowLength + 1) / 2
            var wantShape = shape.isEmpty ? [1] : shape
            wantShape[fortran ? 0 : wantShape.count - 1] = rowBytes
            var want = [UInt64](repeating: 0, count: n / rowLength * rowBytes)
            for (i, code) in c.enumerated() {
                let j = i % rowLength
                want[i / rowLength * rowBytes + j / 2] |= code << UInt64(4 * (j % 2))
            }
            #expect(p.shape == wantShape && p.fortranOrder == (fortran && shape.count > 1) && p.elementType == .uint8, "\(label)")
            #expect(bytes == want, "\(label)")
            // decode --packed --count: the values of the unpacked codes, in the input's shape.
            let d = try runMinifloat(["decode", "e2m1fn", "--input", packed, "--packed", "--count", "\(rowLength)", "--output", back])
            let e = try runMinifloat(["decode", "e2m1fn", "--input", codes, "--output", backCodes])
            try #require(d.status == 0 && e.status == 0, "\(label): \(d.stderr)\(e.stderr)")
            let (dv, dBits) = try readAllBits(back)
            let (_, eBits) = try readAllBits(backCodes)
            #expect(dv.shape == (shape.isEmpty ? [1] : shape) && dBits == eBits, "\(label)")
            // verify reads the packed file in the same layout: clean, then one flipped nibble found.
            let v = try runMinifloat(["verify", "e2m1fn", "--input", input, "--claimed", packed, "--claimed-as", "packed-fp4"])
            #expect(v.status == 0 && v.stdout.contains("mismatching 0"), "\(label): \(v.stdout)\(v.stderr)")
            let target = n / 2 + (n > 2 ? 1 : 0), j = target % rowLength
            var changed = bytes.map { UInt8($0) }
            changed[target / rowLength * rowBytes + j / 2] ^= j % 2 == 0 ? 0x01 : 0x10
            try changed.withUnsafeBytes {
                try ArrayOutput.write($0, header: NpyHeader(elementType: .uint8, shape: wantShape, fortranOrder: fortran && shape.count > 1),
                                      to: flipped)
            }
            let w = try runMinifloat(["verify", "e2m1fn", "--input", input, "--claimed", flipped, "--claimed-as", "packed-fp4"])
            #expect(w.status == 1 && w.stdout.contains("mismatching 1") && w.stdout.contains("element \(target) "),
                    "\(label): \(w.stdout)\(w.stderr)")
        }
    }

    @Test func textInputIsExact() throws {
        // 0.1 is not a double; the text path rounds the decimal itself, once.
        let lines = ["# a comment", "0.1", "", "-464", "464.0000000000000000001", "0x1.8p-9", "nan", "-0"]
        let path = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString).txt"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try runMinifloat(["quantize", "e4m3fn", "--input", path, "--json", "--saturation", "satfinite"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let expected = ["0.1", "-464", "464.0000000000000000001", "0x1.8p-9", "nan", "-0"].map { text -> Int in
            let x = try! ExactValue(parsing: text)
            return Int(Oracle.Bracket(x, .e4m3fn).code(rounding: .nearestTiesToEven, saturation: .satFinite))
        }
        #expect(rows.map { $0["code"] as? Int } == expected)
        #expect(rows[2]["code"] as? Int == 0x7E)  // just above the tie 464 rounds up, saturating to 448
    }

    @Test func badArrayInput() throws {
        let floats = try writeNpy([Float(1), 2], .float32)
        let three = try writeNpy([Float(1), 2, 3], .float32)  // 140 bytes: not a whole number of float64s
        let codes = try writeNpy([UInt8(0x7E), 0x7F, 0x80, 0xFF], .uint8)
        let empty = try writeNpy([Float](), .float32)
        let out = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString).npy"
        defer { for p in [floats, three, codes, empty, out] { try? FileManager.default.removeItem(atPath: p) } }
        let cases: [([String], String)] = [
            (["quantize", "e4m3fn", "--input", "/nonexistent.npy", "--output", out], "cannot read"),
            (["quantize", "e4m3fn", "--input", codes, "--output", out], "integers"),
            (["quantize", "e4m3fn", "--input", empty, "--output", out], "no elements"),
            (["quantize", "e4m3fn", "--input", floats, "--output", out, "--packed"], "4-bit"),
            (["quantize", "e4m3fn", "--input", floats, "--output", "/nonexistent/dir/x.npy"], "cannot write"),
            (["quantize", "e4m3fn", "--input", floats, "--output", out, "--rounding", "sra", "--random-bits", "4"], "--seed"),
            (["quantize", "e4m3fn", "--input", floats, "--output", out, "--from", "f16"], "--from"),
            (["quantize", "e4m3fn", "1.5", "--output", out], "--input"),
            (["quantize", "e4m3fn", "1.5", "--input", floats], "not both"),
            (["quantize", "e4m3fn", "--input", floats, "--raw-dtype", "f7"], "unknown --raw-dtype"),
            (["quantize", "e4m3fn", "--input", three, "--raw-dtype", "f64"], "not a whole number"),
            (["decode", "e2m1fn", "--input", codes, "--output", out], "out of range"),
            (["decode", "e4m3fn", "--input", floats, "--output", out], "integer codes"),
            (["decode", "e4m3fn", "--input", codes, "--output", out, "--output-dtype", "f16"], "f32 or f64"),
            (["decode", "e2m1fn", "--input", codes, "--output", out, "--packed", "--count", "3"], "--count 3"),
        ]
        for (arguments, expected) in cases {
            let r = try runMinifloat(arguments)
            #expect(r.status == 2, "\(arguments)")
            #expect(r.stderr.hasPrefix("minifloat: error: ") && r.stderr.contains(expected)
                    && r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(arguments) left \(out)")
        }
    }

    /// Corrupted `.npy` files given to every array command: exit status 2, one line, no output file.
    @Test func corruptedFilesThroughEveryCommand() throws {
        let good = try writeNpy([Float](repeating: 1.5, count: 8), .float32)
        let codes = try writeNpy([UInt8](repeating: 0x3C, count: 8), .uint8)
        defer { for p in [good, codes] { try? FileManager.default.removeItem(atPath: p) } }
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: good)))
        var corrupted: [[UInt8]] = [
            Array(original[0..<5]), Array(original[0..<9]), Array(original[0..<60]), Array(original.dropLast()),
            original + [0], [],
        ]
        var bad = original; bad[8] = 0xFF; bad[9] = 0xFF; corrupted.append(bad)          // header length past the end
        bad = original; bad[6] = 9; corrupted.append(bad)                                  // version 9
        bad = original; bad[12] = UInt8(ascii: "X"); corrupted.append(bad)                 // dict syntax
        let text = String(decoding: original[10..<original.count - 32], as: UTF8.self)
        for (from, to) in [("<f4", "<i8"), ("False", "Fals "), ("(8,)", "(9,)"), ("(8,)", "(-8)")] {
            var b = original
            let replaced = Array(text.replacingOccurrences(of: from, with: to).utf8)
            b.replaceSubrange(10..<(10 + replaced.count), with: replaced)
            corrupted.append(b)
        }
        let out = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString).npy"
        for (k, bytes) in corrupted.enumerated() {
            let path = try temporaryFile(bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            for arguments in [["quantize", "e4m3fn", "--input", path, "--output", out],
                              ["decode", "e4m3fn", "--input", path, "--output", out],
                              ["verify", "e4m3fn", "--input", path, "--claimed", codes, "--report", out],
                              ["verify", "e4m3fn", "--input", good, "--claimed", path, "--report", out]] {
                let r = try runMinifloat(arguments)
                #expect(r.status == 2 && r.stderr.hasPrefix("minifloat: error: ")
                        && r.stderr.split(separator: "\n").count == 1, "case \(k) \(arguments[0]): \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out), "case \(k) \(arguments[0]) wrote \(out)")
            }
        }
    }
}
