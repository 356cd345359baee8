// The C interface to verification (include/minifloat_verify.h): one call over MinifloatVerify that
// checks every argument and returns a status instead of trapping.
import Minifloat
import CMinifloatVerify
import MinifloatCSupport
import MinifloatIO
import MinifloatVerify
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@_cdecl("minifloat_verify_default_options")
/// minifloat_verify_default_options (minifloat_verify.h).
public func minifloat_verify_default_options() -> minifloat_verify_options {
    minifloat_verify_options(rounding: nil, saturation: nil, profile: nil, nan_any: 0, random_bits: 0, seed: 0,
                             max_mismatches: 10, threads: 0)
}

/// A bad argument: its one-line message.
package struct ArgumentError: Error { package let message: String }

@_cdecl("minifloat_verify")
/// minifloat_verify (minifloat_verify.h): the checks, the call, the outputs; status 2 and the last error on bad arguments.
public func minifloat_verify(
    _ format: UnsafePointer<CChar>?, _ input: UnsafeRawPointer?, _ inputDtype: UnsafePointer<CChar>?, _ n: Int,
    _ claimed: UnsafeRawPointer?, _ claimedDtype: UnsafePointer<CChar>?, _ claimedAs: UnsafePointer<CChar>?,
    _ options: UnsafePointer<minifloat_verify_options>?, _ summary: UnsafeMutablePointer<minifloat_verify_summary>?,
    _ reportJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ reportText: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> minifloat_verify_status {
    do {
        let report = try verify(format, input, inputDtype, n, claimed, claimedDtype, claimedAs,
                                options?.pointee ?? minifloat_verify_default_options())
        let json = try JSON.encode(report).text
        summary?.pointee = minifloat_verify_summary(checked: UInt64(report.checked), matching: UInt64(report.matching),
                                                    mismatching: UInt64(report.mismatching))
        reportJSON?.pointee = strdup(json)
        reportText?.pointee = strdup(report.text)
        return report.mismatching > 0 ? MINIFLOAT_VERIFY_MISMATCH : MINIFLOAT_VERIFY_MATCH
    } catch let e as ArgumentError {
        recordLastError(e.message)
    } catch let e as VerifyError {
        recordLastError(e.description)
    } catch {
        recordLastError("\(error)")
    }
    return MINIFLOAT_VERIFY_ERROR
}

@_cdecl("minifloat_verify_free")
/// minifloat_verify_free (minifloat_verify.h).
public func minifloat_verify_free(_ report: UnsafeMutablePointer<CChar>?) { free(report) }

@_cdecl("minifloat_verify_last_error")
/// minifloat_verify_last_error (minifloat_verify.h).
public func minifloat_verify_last_error() -> UnsafePointer<CChar> { lastErrorMessage() }

/// The checks and the call, throwing a one-line message for any bad argument.
/// With `shape` (the arrays' C-order shape), mismatches carry multi-dimensional indices and the
/// report describes both arrays; the elements are read in place (the caller's memory, no copy).
package func verify(_ formatName: UnsafePointer<CChar>?, _ input: UnsafeRawPointer?, _ inputDtype: UnsafePointer<CChar>?, _ n: Int,
                    _ claimed: UnsafeRawPointer?, _ claimedDtype: UnsafePointer<CChar>?, _ claimedAs: UnsafePointer<CChar>?,
                    _ options: minifloat_verify_options, shape: [Int]? = nil) throws -> VerifyReport {
    func string(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
        guard let p else { throw ArgumentError(message: "\(what) is NULL") }
        return String(cString: p)
    }
    let name = try string(formatName, "format")
    let format: Format
    do { format = try Format.named(name) } catch { throw ArgumentError(message: "\(error)") }
    guard n >= 0, n <= Int.max / 8 else { throw ArgumentError(message: "n = \(n) is too large") }
    let inputType = try elementType(try string(inputDtype, "input_dtype"), "input_dtype")
    guard inputType.isFloatingPoint else {
        throw ArgumentError(message: "input_dtype \(inputType.rawValue) is not a float type: use f32, f64, f16 or bf16")
    }
    let claimedType = try elementType(try string(claimedDtype, "claimed_dtype"), "claimed_dtype")
    let kind: ClaimedArray.Kind
    if let claimedAs {
        let text = String(cString: claimedAs)
        guard let k = ClaimedArray.Kind(rawValue: text) else {
            throw ArgumentError(message: "unknown claimed_as '\(text)': use codes, values or packed-fp4")
        }
        kind = k
    } else {
        kind = claimedType.isFloatingPoint ? .values : .codes
    }
    let claimedCount = kind == .packedFP4 ? (n + 1) / 2 : n
    guard n == 0 || input != nil else { throw ArgumentError(message: "input is NULL") }
    guard claimedCount == 0 || claimed != nil else { throw ArgumentError(message: "claimed is NULL") }
    let inputs = BorrowedElements(input, type: inputType, count: n)
    let claims = BorrowedElements(claimed, type: claimedType, count: claimedCount)
    let claimedArray = try ClaimedArray(claims, as: kind, format: format, inputCount: n, label: "claimed")
    var rounding: RoundingMode? = nil
    if let r = options.rounding {
        let text = String(cString: r)
        guard let m = RoundingMode(shortName: text, randomBits: Int(options.random_bits), random: 0) else {
            throw ArgumentError(message: "unknown rounding '\(text)': use \(RoundingMode.shortNames.joined(separator: ", "))")
        }
        rounding = m
    }
    let stochastic = rounding?.isStochastic ?? false
    if !stochastic && (options.random_bits != 0 || options.seed != 0) {
        throw ArgumentError(message: "random_bits and seed apply only to stochastic rounding (sra, srb, src); set them to 0")
    }
    let random: VerifyRandomValues? = stochastic ? .seed(options.seed) : nil
    let threads = options.threads == 0 ? nil : Int(options.threads)
    if let threads, threads < 1 { throw ArgumentError(message: "threads must be 0 (all) or positive (got \(threads))") }
    var verifier: Verifier
    if let p = options.profile, let system = SystemProfile.named(String(cString: p)) {
        // A system profile: the claims are compared with what that system gives.
        let saturation = try options.saturation.map { s -> SaturationMode in
            let text = String(cString: s)
            guard let m = SaturationMode(shortName: text) else {
                throw ArgumentError(message: "unknown saturation '\(text)': use satfinite, satpropagate or satnone")
            }
            return m
        }
        let call = try SystemProfileCall(system, format: format, rounding: rounding, saturation: saturation)
        verifier = try Verifier(format: format, rounding: call.call.rounding, saturation: call.call.saturation,
                                nanAny: options.nan_any != 0, maxMismatches: options.max_mismatches, threads: threads)
        verifier.system = call
    } else if let p = options.profile, String(cString: p).lowercased() != "reference" {
        let text = String(cString: p)
        guard let b = Behaviour.named(text) else {
            throw ArgumentError(message: "unknown profile '\(text)': use reference, \(SystemProfile.all.map(\.name).joined(separator: ", ")), "
                                + "\(Behaviour.all.map(\.name).joined(separator: ", "))")
        }
        if let s = options.saturation, SaturationMode(shortName: String(cString: s)) != b.saturation {
            throw ArgumentError(message: "profile \(b.name) fixes the saturation mode (\(b.saturation.shortName))")
        }
        verifier = try Verifier(format: format, behaviour: b, rounding: rounding, random: random,
                                maxMismatches: options.max_mismatches, threads: threads)
        if options.nan_any != 0 { verifier.nanAny = true }
    } else {
        var saturation = SaturationMode.satNone
        if let s = options.saturation {
            let text = String(cString: s)
            guard let m = SaturationMode(shortName: text) else {
                throw ArgumentError(message: "unknown saturation '\(text)': use satfinite, satpropagate or satnone")
            }
            saturation = m
        }
        verifier = try Verifier(format: format, rounding: rounding ?? .nearestTiesToEven, saturation: saturation,
                                nanAny: options.nan_any != 0, random: random, maxMismatches: options.max_mismatches, threads: threads)
    }
    guard let shape else { return try verifier.verify(.binary(inputs), against: claimedArray) }
    guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) == n else {
        throw ArgumentError(message: "shape \(shape) does not have \(n) elements")
    }
    var report = try verifier.verify(.binary(inputs), against: claimedArray) { flat in
        var index = [Int](repeating: 0, count: shape.count)
        var rest = flat
        for a in shape.indices.reversed() where shape[a] > 0 {
            index[a] = rest % shape[a]
            rest /= shape[a]
        }
        return index
    }
    var claimedShape = shape
    if kind == .packedFP4, let last = shape.last { claimedShape[claimedShape.count - 1] = (last + 1) / 2 }
    report.input = .init(path: "(array)", type: inputType.numpyName, shape: shape, fortranOrder: false)
    report.claimed = .init(path: "(array)", type: claimedType.numpyName, shape: claimedShape, fortranOrder: false)
    return report
}

func elementType(_ name: String, _ what: String) throws -> ElementType {
    guard let t = ElementType(name: name) else {
        throw ArgumentError(message: "unknown \(what) '\(name)': use \(ElementType.namesForHelp)")
    }
    return t
}
