import LLMFP4
import Minifloat
import MinifloatIO
import MinifloatVerify
import MinifloatOracle

/// The properties the fuzz targets check, as plain functions: each returns nil when the property
/// holds and a one-line description of the failure otherwise. The fuzz targets (Fuzz/Targets) trap
/// on a failure so that libFuzzer records the input; the test suite replays the committed corpora
/// and random inputs through the same functions (`FuzzReplayTests`).
public enum FuzzChecks {
    /// Formats the differential check draws from: the catalog up to 16 bits plus custom EeMm formats.
    static let catalog: [Format] = Format.catalog.map(\.format).filter { $0.bitWidth <= 16 }

    static func format(_ input: inout FuzzInput) -> Format {
        if input.byte() & 1 == 0 { return catalog[input.choice(catalog.count)] }
        // A custom format: 1-5 exponent bits, 0-6 mantissa bits, a bias around the default, a scheme.
        let e = 1 + input.choice(5), m = input.choice(7)
        let schemes: [String] = ["", "fn", "fnuz", "ieee"]
        let scheme = schemes[input.choice(4)]
        let bias = (1 << (e - 1)) - 1 + input.choice(7) - 3
        let name = "e\(e)m\(m)b\(bias)\(scheme)"
        return (try? Format.named(name)) ?? .e4m3fn
    }

    static func rounding(_ input: inout FuzzInput) -> RoundingMode {
        let k = input.choice(9)
        if k < 6 { return RoundingMode.deterministic[k] }
        let bits = 1 + input.choice(32)
        let random = input.uint64() & ((1 << UInt64(bits)) - 1)
        switch k {
        case 6: return .stochasticA(bits: bits, random: random)
        case 7: return .stochasticB(bits: bits, random: random)
        default: return .stochasticC(bits: bits, random: random)
        }
    }

    static func saturation(_ input: inout FuzzInput) -> SaturationMode {
        [SaturationMode.satFinite, .satPropagate, .satNone][input.choice(3)]
    }

    /// Differential: the fast scalar encode of a Double, Float, Float16 or bfloat16 (any bits, so
    /// NaN payloads, subnormals and infinities included) equals the oracle's code, and the fast
    /// decode of that code equals the oracle's value.
    public static func differential(_ data: UnsafeRawBufferPointer) -> String? {
        var input = FuzzInput(data)
        let f = format(&input), mode = rounding(&input), sat = saturation(&input)
        let kind = input.choice(4)
        let bits = input.uint64()
        let x: Double, fast: UInt32
        switch kind {
        case 0: x = Double(bitPattern: bits); fast = f.encode(x, rounding: mode, saturation: sat)
        case 1:
            let v = Float(bitPattern: UInt32(truncatingIfNeeded: bits)); x = Double(v)
            fast = f.encode(v, rounding: mode, saturation: sat)
        case 2:
            let v = Float16(bitPattern: UInt16(truncatingIfNeeded: bits)); x = Double(v)
            fast = f.encode(v, rounding: mode, saturation: sat)
        default:
            let v = BFloat16(bitPattern: UInt16(truncatingIfNeeded: bits)); x = Double(Float(v))
            fast = f.encode(v, rounding: mode, saturation: sat)
        }
        let oracle = Oracle.Bracket(ExactValue(x), f).code(rounding: mode, saturation: sat)  // a NaN keeps x's sign
        guard fast == oracle else {
            return "\(f.name) \(mode.shortName) \(sat.shortName) x=\(x) (bits \(String(bits, radix: 16)), kind \(kind)): fast \(fast), oracle \(oracle)"
        }
        let value = Oracle.decode(fast, in: f)
        let decoded = f.decode(fast)
        switch value {
        case .nan: if !decoded.isNaN { return "\(f.name) decode \(fast): \(decoded), oracle nan" }
        case .infinity(let negative): if decoded != (negative ? -.infinity : .infinity) { return "\(f.name) decode \(fast)" }
        case .finite:
            if ExactValue(decoded) != value { return "\(f.name) decode \(fast): \(decoded), oracle \(value)" }
        }
        return nil
    }

    /// Round trip: for a canonical code, decode then encode gives the code back in every
    /// deterministic mode and saturation; quantize is idempotent on any input.
    public static func roundTrip(_ data: UnsafeRawBufferPointer) -> String? {
        var input = FuzzInput(data)
        let f = format(&input)
        let code = input.uint32() & f.maxCode
        let sat = saturation(&input)
        if f.isCanonical(code) && f.classify(code) != .nan {
            let v = f.decode(code)
            for mode in RoundingMode.deterministic {
                let back = f.encode(v, rounding: mode, saturation: sat)
                // SatFinite turns an infinity into the largest finite value: expected.
                if back != code && !(f.classify(code) == .infinity && sat == .satFinite) {
                    return "\(f.name) code \(code) -> \(v) -> \(back) (\(mode.shortName) \(sat.shortName))"
                }
            }
        }
        let x = Double(bitPattern: input.uint64())
        let mode = rounding(&input)
        let once = f.quantize(x, rounding: mode, saturation: sat)
        let twice = f.quantize(once, rounding: mode, saturation: sat)
        if !(once.bitPattern == twice.bitPattern || (once.isNaN && twice.isNaN)) {
            return "\(f.name) quantize \(x): \(once) then \(twice)"
        }
        return nil
    }

    /// Parsers never trap: number text, format names, codes and `.npy` headers give a value or a
    /// clean error. Returns a failure only if an error message is empty or spans lines.
    public static func parsers(_ data: UnsafeRawBufferPointer) -> String? {
        let bytes = Array(data)
        let text = String(decoding: bytes, as: UTF8.self)
        do { _ = try ExactValue(parsing: text) } catch {
            if error.description.isEmpty || error.description.contains("\n") { return "number error: \(error.description)" }
        }
        do { _ = try Format.named(text) } catch {
            if error.description.isEmpty || error.description.contains("\n") { return "format error: \(error.description)" }
        }
        // A .npy header: the bytes as they are, and after a valid preamble so that the dict parser is reached.
        for candidate in [bytes, [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(bytes.count & 0xFF), UInt8(bytes.count >> 8 & 0xFF)] + bytes] {
            do { _ = try candidate.withUnsafeBytes { try NpyHeader(parsing: $0, name: "fuzz") } } catch let e as ArrayFileError {
                if e.description.isEmpty || e.description.contains("\n") { return "npy error: \(e.description)" }
            } catch {
                return "npy: unexpected error type \(error)"
            }
        }
        // A block folder's block.json: a description with sizes that fit, or a one-line error.
        do {
            let d = try BlockDescription(parsing: bytes, name: "'block.json'")
            guard d.shape.count <= 64, (1...(1 << 20)).contains(d.blockSize), (0..<max(d.shape.count, 1)).contains(d.axis)
            else { return "block.json: out-of-range description accepted: \(d)" }
            // The layout it implies is computable (the shape's product fits, as block.json promises).
            let storage = d.shape.isEmpty ? [1] : d.fortranOrder ? d.shape.reversed() : d.shape
            let layout = BlockLayout(shape: storage, axis: d.fortranOrder ? storage.count - 1 - d.axis : d.axis, blockSize: d.blockSize)
            if layout.scaleCount < 0 || layout.elementCount < 0 { return "block.json: negative layout \(layout)" }
            if let t = d.tensorScale, !(t.isFinite && t > 0) { return "block.json: tensor scale \(t) accepted" }
        } catch {
            if error.description.isEmpty || error.description.contains("\n") { return "block.json error: \(error.description)" }
        }
        return nil
    }

    /// LLM-FP4: bias-shift equivariance `Q(x; b + k) = 2^-k Q(2^k x; b)`, exactly, for any format,
    /// integer bias, rational scale, input, shift and rounding mode.
    public static func llmfp4(_ data: UnsafeRawBufferPointer) -> String? {
        var input = FuzzInput(data)
        let e = 1 + input.choice(5), m = input.choice(4)
        let bias = input.choice(16) - 6
        let scale = Rational(1 + Int(input.byte()), 1 + Int(input.byte()))
        guard let q = try? ExactFPQuantizer(exponentBits: e, mantissaBits: m, integerBias: bias, scale: scale) else { return nil }
        let numerator = Int(Int32(bitPattern: input.uint32())), denominator = 1 + Int(input.uint32() & 0xFFFF)
        let x = Rational(numerator, denominator)
        let k = input.choice(25) - 12
        let mode = rounding(&input)
        guard let shifted = try? q.shifted(by: k) else { return nil }
        let left = shifted(x, rounding: mode), right = q(x.timesPowerOfTwo(k), rounding: mode).timesPowerOfTwo(-k)
        if left != right { return "E\(e)M\(m) B=\(bias) scale=\(scale) x=\(x) k=\(k) \(mode.shortName): \(left) vs \(right)" }
        if shifted.code(ExactValue(x), rounding: mode) != q.code(ExactValue(x.timesPowerOfTwo(k)), rounding: mode) {
            return "codes differ: E\(e)M\(m) B=\(bias) x=\(x) k=\(k)"
        }
        return nil
    }

    /// LLM-FP4 folding: for a small random layer (formats, scales, offsets, data, mode from the
    /// bytes), the folded layer's output equals the unfolded one exactly and the folded weights keep
    /// their codes.
    public static func folding(_ data: UnsafeRawBufferPointer) -> String? {
        var input = FuzzInput(data)
        let n = 1 + input.choice(2), c = 1 + input.choice(4), o = 1 + input.choice(2)
        let e = 1 + input.choice(3)
        func scale() -> Rational { Rational(1 + Int(input.byte()), 1 + Int(input.byte())) }
        guard let activation = try? ExactFPQuantizer(exponentBits: e, mantissaBits: 3 - e, integerBias: 0, scale: scale())
        else { return nil }
        let offsets = (0..<c).map { _ in input.choice(1 << e) }
        var weightQuantizers: [ExactFPQuantizer] = []
        for _ in 0..<o {
            let we = 1 + input.choice(3)
            guard let q = try? ExactFPQuantizer(exponentBits: we, mantissaBits: 3 - we, integerBias: input.choice(8) - 2,
                                                scale: scale()) else { return nil }
            weightQuantizers.append(q)
        }
        func value() -> Rational { Rational(Int(Int16(bitPattern: UInt16(input.byte()) | UInt16(input.byte()) << 8)), 1 + Int(input.byte())) }
        let x = (0..<n).map { _ in (0..<c).map { _ in value() } }
        let w = (0..<c).map { _ in (0..<o).map { _ in value() } }
        let mode = rounding(&input)
        let layer = FoldedLinear(weights: w, weightQuantizers: weightQuantizers, activation: activation, offsets: offsets,
                                 rounding: mode)
        guard let folded = try? layer.output(x, rounding: mode), let unfolded = try? layer.unfoldedOutput(x, rounding: mode)
        else { return "folding threw for offsets \(offsets)" }
        if folded != unfolded { return "folded \(folded) != unfolded \(unfolded) (offsets \(offsets), \(mode.shortName))" }
        for j in 0..<c {
            for k in 0..<o {
                guard let q = try? layer.foldedWeightQuantizer(row: j, column: k), let v = try? layer.foldedWeight(row: j, column: k)
                else { return "folded weight (\(j), \(k)) threw" }
                if q.code(ExactValue(v)) != layer.weightCodes[j][k] { return "folded weight (\(j), \(k)) changed its code" }
            }
        }
        return nil
    }

    /// Block formats: a small 2-D array (Float or Double; any bits, scaled element grid points and
    /// midpoints, zeros, NaN, Inf) encoded by the fast block encoder, along either axis, with any
    /// block size, scale rule, element mode (stochastic included), saturation and NaN policy, and
    /// NVFP4 tensor scale, equals the oracle block by block; decoding equals the oracle's values
    /// rounded once to Float.
    public static func blocks(_ data: UnsafeRawBufferPointer) -> String? {
        var input = FuzzInput(data)
        let base = BlockFormat.all[input.choice(BlockFormat.all.count)]
        let f = base.withBlockSize([base.blockSize, 1, 2, 3, 5, 16, 32][input.choice(7)])
        let encoding = BlockEncoding(for: f, scaleRule: ScaleRule.all[input.choice(5)], rounding: rounding(&input),
                                     saturation: saturation(&input), specials: BlockSpecials.allCases[input.choice(2)])
        let shape = [1 + input.choice(4), 1 + input.choice(40)]
        let axis = input.choice(2)
        let double = input.byte() & 1 == 1
        var tensorScale: Float? = nil
        if f.hasTensorScale && input.byte() & 1 == 1 {
            let t = Float(bitPattern: input.uint32() & 0x7FFF_FFFF)
            if t.isFinite && t > 0 { tensorScale = t }
        }
        let seed = input.uint64()
        var values: [Double] = []
        for _ in 0..<(shape[0] * shape[1]) {
            let kind = input.choice(8)
            var v: Double
            switch kind {
            case 0: v = double ? Double(bitPattern: input.uint64()) : Double(Float(bitPattern: input.uint32()))
            case 1, 2, 3:
                // A grid point or midpoint of the element format times 2^e.
                let c = UInt32(input.choice(Int(f.element.maxFiniteMagnitude) + 1))
                let g = f.element.decode(c)
                let next = c < f.element.maxFiniteMagnitude ? f.element.decode(c + 1) : g
                v = (kind == 3 ? (g + next) / 2 : g) * Double(sign: .plus, exponent: input.choice(80) - 40, significand: 1)
                if input.byte() & 1 == 1 { v = -v }
                if !double { v = Double(Float(v)) }
            case 4: v = [0.0, -0.0, .infinity, -.infinity, .nan][input.choice(5)]
            default: v = Double(Float(bitPattern: 0x3F80_0000 | input.uint32() & 0x807F_FFFF))  // +-[1, 2)
            }
            values.append(v)
        }
        let layout = BlockLayout(shape: shape, axis: axis, blockSize: f.blockSize)
        let random: RandomSource? = encoding.rounding.isStochastic ? .seed(seed) : nil
        let codes = double
            ? f.encode(values, layout: layout, encoding: encoding, tensorScale: tensorScale, random: random)
            : f.encode(values.map { Float($0) }, layout: layout, encoding: encoding, tensorScale: tensorScale, random: random)
        var t = Rational(1)
        if f.hasTensorScale {
            if let tensorScale {
                t = Rational(exactly: Double(tensorScale))
            } else {
                var amax = Rational(0)
                for v in values { if v.isFinite, amax < Rational(exactly: Swift.abs(v)) { amax = Rational(exactly: Swift.abs(v)) } }
                t = BlockOracle.defaultTensorScale(amax: amax, format: f)
            }
            guard let used = codes.tensorScale, Rational(exactly: Double(used)) == t else {
                return "\(f) tensor scale \(String(describing: codes.tensorScale)), oracle \(t)"
            }
        }
        let bits = UInt64(encoding.rounding.randomBits)
        let decoded = f.decode(codes, layout: layout, as: Float.self)
        for b in 0..<layout.scaleCount {
            let (first, n, stride) = layout.block(b)
            let members = (0..<n).map { first + $0 * stride }
            let rs = random == nil ? nil : members.map { (i: Int) -> UInt64 in
                // The seeded stream's word i: a half of SplitMix64's output i / 2 (low half for even i).
                let output = RandomSource.splitMix64(seed: seed, index: UInt64(i / 2))
                return (i % 2 == 0 ? output & 0xFFFF_FFFF : output >> 32) >> (32 - bits)
            }
            let block = BlockOracle.encodeBlock(members.map { ExactValue(values[$0]) }, format: f, encoding: encoding, tensorScale: t,
                                                random: rs)
            let what = "\(f) \(encoding.scaleRule) \(encoding.rounding.shortName) \(encoding.saturation.shortName) \(encoding.specials.rawValue) shape \(shape) axis \(axis) block \(b)"
            if UInt32(codes.scales[b]) != block.scale { return "\(what): scale \(codes.scales[b]), oracle \(block.scale)" }
            for (k, i) in members.enumerated() {
                if UInt32(codes.elements[i]) != block.elements[k] {
                    return "\(what) element \(i) (\(values[i])): \(codes.elements[i]), oracle \(block.elements[k])"
                }
                let v = BlockOracle.decode(element: block.elements[k], scale: block.scale, format: f, tensorScale: t)
                let want = Float(Oracle.nearestDouble(v))
                if !(want.bitPattern == decoded[i].bitPattern || (want.isNaN && decoded[i].isNaN)) {
                    return "\(what) decode \(i): \(decoded[i]), oracle \(v)"
                }
            }
        }
        return nil
    }

    /// The targets by name.
    public static let all: [(name: String, check: @Sendable (UnsafeRawBufferPointer) -> String?)] = [
        ("differential", differential), ("roundtrip", roundTrip), ("parsers", parsers), ("llmfp4", llmfp4),
        ("folding", folding), ("blocks", blocks),
    ]
}
