import Foundation
import MinifloatIO
import Testing

/// Files written by NumPy 2.4.6 (and ml_dtypes 0.6.0 for bfloat16 and float8_e4m3fn), as hex:
/// `numpy.lib.format.write_array(f, a, version=...)` or `np.save`. The expected fields and
/// element bits below are what NumPy reports for the same arrays.
let numpyFiles: [String: String] = [
        "v1_f2_big": "934e554d5059010076007b276465736372273a20273e6632272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a3e00c00034004200",
        "v2_f2_big": "934e554d50590200740000007b276465736372273a20273e6632272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2032292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a3e00c00034004200",
        "v3_f2_big": "934e554d50590300740000007b276465736372273a20273e6632272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2032292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a3e00c00034004200",
        "u2_fortran": "934e554d5059010076007b276465736372273a20273c7532272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000003000100040002000500",
        "f8_scalar": "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000000000000c40",
        "bf16": "934e554d5059010076007b276465736372273a20273c5632272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200ac03f00c04040",
        "e4m3fn": "934e554d5059010076007b276465736372273a20273c5631272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a3cc07e",
        "i1": "934e554d5059010076007b276465736372273a20277c6931272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200aff02",
        "f4_empty": "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028302c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a",
        "i4": "934e554d5059010076007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028312c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a01000000",
]

func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = hex.makeIterator()
    while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
    return out
}

/// Writes bytes to a fresh temporary file and returns its path.
func temporaryFile(_ contents: [UInt8], suffix: String = ".npy") throws -> String {
    let path = NSTemporaryDirectory() + "minifloat-test-\(UUID().uuidString)\(suffix)"
    try Data(contents).write(to: URL(fileURLWithPath: path))
    return path
}

func withArrayInput<R>(_ contents: [UInt8], rawType: ElementType? = nil, _ body: (ArrayInput) throws -> R) throws -> R {
    let path = try temporaryFile(contents)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(try ArrayInput(path: path, rawType: rawType))
}

@Suite("NumPy files")
struct NpyTests {
    @Test(arguments: ["v1_f2_big", "v2_f2_big", "v3_f2_big"])
    func versionsAndBigEndian(name: String) throws {
        try withArrayInput(bytes(hex: numpyFiles[name]!)) { a in
            #expect(a.header?.version == Int(name.dropFirst().prefix(1)))
            #expect(a.elementType == .float16 && a.shape == [2, 2] && !a.fortranOrder)
            // 1.5, -2, 0.25, 3 as float16 bits, swapped to this machine's order.
            #expect((0..<4).map { a.bits(at: $0) } == [0x3E00, 0xC000, 0x3400, 0x4200])
            a.withElements(1..<4) { raw in
                #expect(Array(raw.bindMemory(to: Float16.self)) == [-2, 0.25, 3])
            }
        }
    }

    @Test func fortranOrderAndIndices() throws {
        // np.asfortranarray(np.arange(6).reshape(2, 3)): storage order is column by column.
        try withArrayInput(bytes(hex: numpyFiles["u2_fortran"]!)) { a in
            #expect(a.fortranOrder && a.shape == [2, 3] && a.elementType == .uint16)
            #expect((0..<6).map { a.bits(at: $0) } == [0, 3, 1, 4, 2, 5])
            #expect((0..<6).map { a.multiIndex(ofStoragePosition: $0) } == [[0, 0], [1, 0], [0, 1], [1, 1], [0, 2], [1, 2]])
        }
        for shape in [[2, 3], [4], [3, 1, 2], [], [2, 2, 2, 2]] {
            let n = shape.reduce(1, *)
            for fortran in [false, true] {
                for p in 0..<n {
                    let index = ArrayInput.multiIndex(p, shape: shape, fortranOrder: fortran)
                    #expect(ArrayInput.storagePosition(index, shape: shape, fortranOrder: fortran) == p)
                }
            }
        }
    }

    @Test func mlDtypesAndScalars() throws {
        try withArrayInput(bytes(hex: numpyFiles["bf16"]!)) { a in
            #expect(a.elementType == .bfloat16 && a.header?.descriptor == "<V2")
            #expect((0..<3).map { a.bits(at: $0) } == [0x3FC0, 0xC000, 0x4040])
        }
        try withArrayInput(bytes(hex: numpyFiles["e4m3fn"]!)) { a in
            #expect(a.elementType == .uint8 && (0..<3).map { a.bits(at: $0) } == [0x3C, 0xC0, 0x7E])
        }
        try withArrayInput(bytes(hex: numpyFiles["f8_scalar"]!)) { a in
            #expect(a.shape == [] && a.count == 1 && Double(bitPattern: a.bits(at: 0)) == 3.5)
        }
        try withArrayInput(bytes(hex: numpyFiles["i1"]!)) { a in
            #expect(a.elementType == .int8 && a.bits(at: 0) == 0xFF && a.bits(at: 1) == 2)
        }
        try withArrayInput(bytes(hex: numpyFiles["f4_empty"]!)) { a in #expect(a.count == 0 && a.shape == [0, 3]) }
        try withArrayInput(bytes(hex: numpyFiles["v1_f2_big"]!)) { a in
            #expect(throws: ArrayFileError.self) { try a.reinterpret(as: .float32) }
            try a.reinterpret(as: .bfloat16)
            #expect(a.elementType == .bfloat16)
        }
    }

    @Test func unsupportedDtype() throws {
        let error = #expect(throws: ArrayFileError.self) {
            try withArrayInput(bytes(hex: numpyFiles["i4"]!)) { _ in }
        }
        #expect(error?.description.contains("'<i4', which is not supported") == true)
    }

    /// What we write, NumPy's own files parse to; and ours parse back to the same header.
    @Test func writtenHeadersRoundTrip() throws {
        for name in ["v1_f2_big", "u2_fortran", "f8_scalar", "bf16", "i1"] {
            let original = bytes(hex: numpyFiles[name]!)
            let parsed = try original.withUnsafeBytes { try NpyHeader(parsing: $0, name: name) }
            var again = NpyHeader(elementType: parsed.elementType, shape: parsed.shape,
                                  fortranOrder: parsed.fortranOrder, bigEndian: parsed.bigEndian)
            again.descriptor = parsed.descriptor
            let encoded = again.encoded()
            // NumPy writes version 1.0 headers padded to 64 bytes: ours are byte-identical.
            if parsed.version == 1 { #expect(encoded == Array(original[0..<parsed.dataOffset]), "\(name)") }
            let reparsed = try encoded.withUnsafeBytes { try NpyHeader(parsing: $0, name: name) }
            #expect(reparsed.shape == parsed.shape && reparsed.elementType == parsed.elementType
                    && reparsed.fortranOrder == parsed.fortranOrder && reparsed.bigEndian == parsed.bigEndian)
            #expect(encoded.count % 64 == 0)
        }
        // A header too long for version 1.0 is written as 2.0 (NumPy's rule); such a long shape has
        // more than NumPy's 64 dimensions, which the reader refuses.
        let long = NpyHeader(elementType: .float32, shape: Array(repeating: 1, count: 30_000)).encoded()
        #expect(long[6] == 2 && long.count % 64 == 0)
        let error = #expect(throws: ArrayFileError.self) { try long.withUnsafeBytes { try NpyHeader(parsing: $0, name: "long") } }
        #expect(error?.description.contains("30000 dimensions; NumPy arrays have at most 64") == true)
    }

    /// Every truncation and many corruptions of valid files: each either parses or throws a
    /// one-line ArrayFileError; none traps.
    @Test func corruptedHeaders() throws {
        var rejected = 0, accepted = 0
        func attempt(_ b: [UInt8]) {
            do {
                _ = try withArrayInput(b) { $0.count }
                accepted += 1
            } catch let e as ArrayFileError {
                #expect(!e.description.contains("\n") && !e.description.isEmpty)
                rejected += 1
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        let valid = bytes(hex: numpyFiles["v1_f2_big"]!)
        for n in 0..<valid.count { attempt(Array(valid[0..<n])) }  // every truncation
        #expect(rejected == valid.count && accepted == 0)
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for name in ["v1_f2_big", "v2_f2_big", "v3_f2_big", "u2_fortran", "bf16"] {
            let file = bytes(hex: numpyFiles[name]!)
            for _ in 0..<400 {
                var b = file
                for _ in 0..<(1 + Int(next() % 3)) {
                    let at = Int(next() % UInt64(min(b.count, 128)))
                    b[at] = UInt8(truncatingIfNeeded: next())
                }
                attempt(b)
            }
        }
        // Hand-made corruptions, each with the message it must give.
        func header(_ dict: String, version: UInt8 = 1, length: Int? = nil, data: [UInt8] = []) -> [UInt8] {
            var h = Array(dict.utf8)
            let n = length ?? h.count
            h = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
                + (version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)])
                + h
            return h + data
        }
        let cases: [([UInt8], String)] = [
            (Array("not a numpy file at all".utf8), "magic"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", version: 4), "version 4.0"),
            (header("{}", version: 2, length: 0x7FFF_FFFF), "more than"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", length: 200), "file ends"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: [0, 0, 0, 0]), "truncated"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0, 0]), "extra bytes"),
            (header("{'descr': '<f4', 'fortran_order': False, }"), "no 'shape'"),
            (header("{'descr': '<f4', 'shape': (1,), }"), "fortran_order"),
            (header("{'fortran_order': False, 'shape': (1,), }"), "no 'descr'"),
            (header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"), "structured"),
            (header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"), "not supported"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), "non-negative"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }"), "too many"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'descr': '<f4'}"), "repeats"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (\(Array(repeating: "1", count: 65).joined(separator: ", "))), }",
                    data: [0, 0, 0, 0]), "at most 64"),
            (header("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }"), "malformed"),
            (header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) } extra"), "after the closing"),
            (header("{'descr': '<f4\u{e9}', 'fortran_order': False, 'shape': (1,), }"), "not ASCII"),
            (header("{'descr: '<f4', 'fortran_order': False, 'shape': (1,), }"), "malformed"),
        ]
        for (file, expected) in cases {
            let error = #expect(throws: ArrayFileError.self, "\(expected)") { try withArrayInput(file) { _ in } }
            #expect(error?.description.contains(expected) == true, "\(error?.description ?? "") lacks \(expected)")
        }
        #expect(rejected > 1000)
    }

    @Test func rawFilesAndMissingFiles() throws {
        let floats: [Float] = [1, -2.5, .infinity]
        let raw = floats.withUnsafeBytes { Array($0) }
        try withArrayInput(raw, rawType: .float32) { a in
            #expect(a.count == 3 && a.shape == [3] && a.header == nil)
            #expect(Float(bitPattern: UInt32(a.bits(at: 1))) == -2.5)
        }
        #expect(throws: ArrayFileError.self) { try withArrayInput(raw + [0], rawType: .float32) { _ in } }
        let missing = #expect(throws: ArrayFileError.self) { _ = try ArrayInput(path: "/nonexistent/x.npy") }
        #expect(missing?.description.contains("No such file") == true)
        #expect(throws: ArrayFileError.self) { _ = try ArrayInput(path: NSTemporaryDirectory()) }
    }

    @Test func outputIsAtomic() throws {
        let path = NSTemporaryDirectory() + "minifloat-out-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let out = try ArrayOutput(path: path, layout: .npy(NpyHeader(elementType: .uint8, shape: [2])))
            try out.write([1, 2])
            // Dropped without commit: nothing at the path, no temporary left behind.
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix((path as NSString).lastPathComponent) }
        #expect(leftovers.isEmpty)
        let out = try ArrayOutput(path: path, layout: .npy(NpyHeader(elementType: .uint8, shape: [2])))
        try out.write([7, 9])
        try out.commit()
        let a = try ArrayInput(path: path)
        #expect(a.count == 2 && a.bits(at: 1) == 9)
        #expect(throws: ArrayFileError.self) { _ = try ArrayOutput(path: "/nonexistent/dir/x.npy", layout: .raw) }
    }
}
