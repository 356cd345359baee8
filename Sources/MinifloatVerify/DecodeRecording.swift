import Minifloat
import MinifloatOracle

/// A recorded decode table of a real system: the float16 (bfloat16 for E8M0) bit pattern it gives
/// for each code of a format (`dec_nv_e4m3_to_f16` in Conformance/README.md's layout).
public struct DecodeRecording: Sendable {
    /// The table's name (`dec_nv_e4m3_to_f16`).
    public let name: String
    /// The system: `ptx`, `cuda`, `torch`, `jax`, `ml_dtypes`, ...
    public let system: String
    /// The decoded format.
    public let format: Format
    /// The type decoded to: float16 or bfloat16.
    public let target: Sweep.Source
    /// The recorded bit pattern of each code 0...format.maxCode (the rest of a 256-entry table of
    /// a narrower format is not meaningful and is dropped).
    public let values: [UInt16]

    /// The CUDA and PTX tables' names (without `dec_` and the target) with their system and format.
    static let nvidiaTables: [String: (system: String, format: String)] = [
        "nv_e4m3": ("cuda", "e4m3fn"), "nv_e5m2": ("cuda", "e5m2"), "nv_e8m0": ("cuda", "e8m0fnu"),
        "nv_fp4_e2m1": ("cuda", "e2m1fn"), "nv_fp6_e2m3": ("cuda", "e2m3fn"), "nv_fp6_e3m2": ("cuda", "e3m2fn"),
        "ptx_e4m3x2": ("ptx", "e4m3fn"), "ptx_e5m2x2": ("ptx", "e5m2"),
    ]

    /// A table named as Conformance/README.md says: `dec_<table>_to_f16` or `_to_bf16`, the table a
    /// CUDA/PTX one (`nv_e4m3`, ...) or `<system>_<dtype>` for a framework (`ml_dtypes_float8_e4m3fn`).
    /// Throws a ``VerifyError`` for another name or too few values.
    public init(name: String, values: [UInt16]) throws {
        self.name = name
        var key = Substring(name)
        guard key.hasPrefix("dec_") else { throw VerifyError("decode table \(name): the name must start with dec_") }
        key = key.dropFirst(4)
        if key.hasSuffix("_to_f16") {
            target = .float16
            key = key.dropLast(7)
        } else if key.hasSuffix("_to_bf16") {
            target = .bfloat16
            key = key.dropLast(8)
        } else {
            throw VerifyError("decode table \(name): the name must end with _to_f16 or _to_bf16")
        }
        let formatName: String
        if let known = Self.nvidiaTables[String(key)] {
            (system, formatName) = known
        } else if let split = key.indices.first(where: { key[$0...].hasPrefix("_float") }) {
            (system, formatName) = (String(key[..<split]), String(key[key.index(after: split)...]))
        } else {
            throw VerifyError("decode table \(name): no system and format in its name")
        }
        do { format = try Format.named(formatName) } catch { throw VerifyError("decode table \(name): \(error)") }
        guard values.count > Int(format.maxCode) else {
            throw VerifyError("decode table \(name): \(values.count) values for \(format.maxCode + 1) codes")
        }
        self.values = Array(values[0...Int(format.maxCode)])
    }

    /// The reference's bit pattern for `code`: its exact value in the target type (every value of
    /// these formats is one), a NaN as the target's quiet NaN with the code's sign.
    public func referenceBits(_ code: UInt32) -> UInt16 {
        let value = Oracle.decode(code, in: format)
        return UInt16(Oracle.Bracket(value, target.format).code(rounding: .nearestTiesToEven, saturation: .satNone))
    }

    /// Every code whose recorded decoding differs from the reference's: ``Departure/nanCode`` when
    /// both are NaNs (another sign or payload), ``Departure/unexplained`` otherwise.
    public func differences() -> [(code: UInt32, reference: UInt16, recorded: UInt16, departure: Departure)] {
        (0...format.maxCode).compactMap { code in
            let reference = referenceBits(code), recorded = values[Int(code)]
            guard reference != recorded else { return nil }
            let nan = target.format.classify(UInt32(reference)) == .nan && target.format.classify(UInt32(recorded)) == .nan
            return (code, reference, recorded, nan ? .nanCode : .unexplained)
        }
    }

    /// docs/conformance.md's decoding table (`minifloat conformance FILE --decodes --markdown`).
    public static func markdownTable(_ tables: [DecodeRecording]) -> String {
        var out = "| decode table | system | format | to | differing codes | departures (codes: reference → recorded) |\n"
        out += "|---|---|---|---|---|---|\n"
        for t in tables {
            let d = t.differences()
            let groups = Dictionary(grouping: d, by: \.departure).sorted { $0.key < $1.key }.map { departure, items in
                "\(departure.key): " + items.map { "\(t.format.hexCode($0.code)) (\(hex($0.reference)) → \(hex($0.recorded)))" }
                    .joined(separator: ", ")
            }
            out += "| `\(t.name)` | \(t.system) | \(t.format.name) | \(t.target.rawValue) | "
                + "\(d.isEmpty ? "none" : "\(d.count) of \(t.values.count)") | \(groups.isEmpty ? "agrees" : groups.joined(separator: "; ")) |\n"
        }
        return out
    }

    /// `0x7e00`.
    public static func hex(_ v: UInt16) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
