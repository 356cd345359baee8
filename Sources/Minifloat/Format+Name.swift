extension Format {
    /// The format a name denotes. Case is ignored, and a `torch.`/`ml_dtypes.`/`jnp.` prefix is dropped.
    ///
    /// Grammar, tried in this order:
    /// 1. a catalog name or alias (`e4m3fn`, `float8_e4m3fn`, `ocp_e2m1`, `bf16`, `binary8p3se`, ...);
    /// 2. `binary<K>p<P><s|u><e|f>`: IEEE P3109 BinaryKpP, signed/unsigned, Extended/Finite, K <= 32;
    /// 3. `[u]e<E>m<M>[b<B>][fn|fnuz|ieee]`: a custom format. `u` drops the sign bit. `b<B>` sets the
    ///    bias (may be negative, `b-3`); the default is `2^(E-1) - 1`, or `2^(E-1)` with `fnuz`.
    ///    The suffix picks the special values: none (every code finite, as FP4/FP6 and LLM-FP4),
    ///    `fn` (NaN at all ones), `fnuz` (NaN at -0), `ieee` (Inf and NaN at the top exponent).
    ///    Catalog names win: `e4m3`, `e3m4` and `e5m2` are the IEEE-style catalog formats, while
    ///    `e4m3b7` is E4M3 with bias 7 and every code finite.
    ///
    /// - Throws: ``FormatError/unknownName(_:closeMatches:)`` with the closest catalog names, or
    ///   ``FormatError/invalid(_:)`` when the name parses but the parameters are impossible.
    public static func named(_ name: String) throws(FormatError) -> Format {
        let s = normalize(name.trimmingSpaces)
        if let entry = catalogIndex(s) { return entry.format }
        if let format = try parseP3109(s) { return format }
        if let format = try parseCustom(s) { return format }
        throw .unknownName(name, closeMatches: closeMatches(to: s))
    }

    private static func catalogIndex(_ s: String) -> CatalogEntry? { catalogEntry(named: s) }

    private static func parseP3109(_ s: String) throws(FormatError) -> Format? {
        var scanner = Scanner(s)
        guard scanner.take("binary"), let k = scanner.integer(), scanner.take("p"), let p = scanner.integer(),
              let sign = scanner.oneOf(["s", "u"]), let domain = scanner.oneOf(["e", "f"]), scanner.atEnd
        else { return nil }
        return try p3109(bits: k, precision: p, signedness: sign == "s" ? .signed : .unsigned,
                         domain: domain == "e" ? .extended : .finite)
    }

    private static func parseCustom(_ s: String) throws(FormatError) -> Format? {
        var scanner = Scanner(s)
        let unsigned = scanner.take("u")
        guard scanner.take("e"), let eText = scanner.digits(), scanner.take("m"), let mText = scanner.digits() else { return nil }
        var biasText: String? = nil
        if scanner.take("b") {
            let negative = scanner.take("-")
            guard let b = scanner.digits() else { return nil }
            biasText = (negative ? "-" : "") + b
        }
        let suffix = scanner.rest
        let specials: SpecialValues
        switch suffix {
        case "": specials = .none
        case "fn": specials = .nanAtAllOnes
        case "fnuz": specials = .nanAtNegativeZero
        case "ieee": specials = .ieee
        default: return nil
        }
        // Widths and bias are read as digit strings so that a huge one is "out of range", not "unknown".
        guard eText.count <= 2, mText.count <= 2, let e = Int(eText), let m = Int(mText), e <= 32 && m <= 32 else {
            throw .invalid("exponent and mantissa bits must each be at most 32")
        }
        var bias: Int? = nil
        if let biasText {
            guard biasText.count <= 8, let b = Int(biasText), abs(b) <= 1 << 20 else {
                throw .invalid("bias \(biasText.quotedForMessage(limit: 24)) is out of range (|bias| <= 2^20)")
            }
            bias = b
        }
        let defaultBias = e >= 1 ? (1 << (e - 1)) - (specials == .nanAtNegativeZero ? 0 : 1) : 0
        return try Format(name: s, signedness: unsigned ? .unsigned : .signed, exponentBits: e, mantissaBits: m,
                          bias: bias ?? defaultBias, specialValues: specials)
    }

    /// Catalog names and aliases within a small edit distance of `s`, closest first (at most 5).
    public static func closeMatches(to s: String) -> [String] {
        let target = Array(normalize(s))
        // No catalog name is longer than 32 characters: a longer text is close to none (and the
        // quadratic distance below is not worth computing for it).
        guard target.count <= 48 else { return [] }
        let limit = max(2, target.count / 3)
        var scored: [(Int, String)] = []
        var seen = Set<String>()
        for entry in catalog {
            for candidate in [entry.format.name] + entry.aliases where !seen.contains(candidate) {
                seen.insert(candidate)
                if abs(candidate.count - target.count) > limit { continue }  // the distance is at least this
                let d = editDistance(target, Array(candidate), limit: limit)
                if d <= limit { scored.append((d, candidate)) }
            }
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(5).map(\.1)
    }

    /// The Levenshtein distance, or any value above `limit` once it must exceed it.
    package static func editDistance(_ a: [Character], _ b: [Character], limit: Int = .max) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1,
                                       previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                rowMinimum = Swift.min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return rowMinimum }  // rows never decrease
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// A tiny left-to-right reader for format names.
private struct Scanner {
    private var chars: [Character]
    private var index = 0
    init(_ s: String) { chars = Array(s) }

    var atEnd: Bool { index == chars.count }
    var rest: String { String(chars[index...]) }

    mutating func take(_ literal: String) -> Bool {
        let l = Array(literal)
        guard index + l.count <= chars.count, Array(chars[index..<index + l.count]) == l else { return false }
        index += l.count
        return true
    }

    mutating func oneOf(_ options: [String]) -> String? {
        for o in options where take(o) { return o }
        return nil
    }

    /// The decimal digits here, as written (nil when there are none).
    mutating func digits() -> String? {
        let start = index
        while index < chars.count, chars[index].isASCII, chars[index].wholeNumberValue != nil { index += 1 }
        return index > start ? String(chars[start..<index]) : nil
    }

    mutating func integer() -> Int? {
        var value = 0
        let start = index
        while index < chars.count, let d = chars[index].wholeNumberValue, chars[index].isASCII {
            value = value * 10 + d
            index += 1
            if value > 1 << 24 { return nil }
        }
        return index > start ? value : nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
