/// A block-scaled format: the elements of each block of ``blockSize`` consecutive values along one
/// axis share one scale code, and a value is `element value * scale value` (times a per-tensor
/// scale for NVFP4).
///
/// The catalog (OCP Microscaling Formats (MX) Specification v1.0, sections 5 and 6; NVIDIA NVFP4 as
/// cuBLASLt's `VEC16_UE4M3` block scaling):
///
/// | name | element | block | scale | per-tensor scale |
/// |---|---|---|---|---|
/// | `mxfp8_e4m3` | E4M3 (``Format/e4m3fn``) | 32 | E8M0 | no |
/// | `mxfp8_e5m2` | E5M2 (``Format/e5m2``) | 32 | E8M0 | no |
/// | `mxfp6_e2m3` | E2M3 (``Format/e2m3fn``) | 32 | E8M0 | no |
/// | `mxfp6_e3m2` | E3M2 (``Format/e3m2fn``) | 32 | E8M0 | no |
/// | `mxfp4` | E2M1 (``Format/e2m1fn``) | 32 | E8M0 | no |
/// | `mxint8` | INT8: two's complement `k * 2^-6` | 32 | E8M0 | no |
/// | `nvfp4` | E2M1 | 16 | UE4M3 (``Format/ue4m3``) | FP32 |
///
/// A block format is a value; ``withBlockSize(_:)`` gives the same format with another block size.
public struct BlockFormat: Sendable, Hashable {
    /// The name used to print this format (`"mxfp4"`, `"nvfp4"`).
    public let name: String
    /// The format elements are rounded onto. For MXINT8 it is ``BlockFormat/int8Grid`` (the values
    /// `k/64`, |k| <= 127, as a sign-magnitude E1M6 with bias 1), stored as two's complement.
    public let element: Format
    /// How element codes are stored.
    public let elementStorage: ElementStorage
    /// Elements per block (the last block of an axis may be shorter).
    public let blockSize: Int
    /// The scale's format: ``Format/e8m0fnu`` (MX) or ``Format/ue4m3`` (NVFP4).
    public let scale: Format
    /// Whether values are also multiplied by one FP32 scale per tensor (NVFP4).
    public let hasTensorScale: Bool

    /// How element codes are stored.
    public enum ElementStorage: String, Sendable, Hashable {
        /// The element format's own codes.
        case native
        /// MXINT8: the element format ``BlockFormat/int8Grid`` holds `k/64` as sign-magnitude; it is
        /// stored as the two's complement byte of `k`. Code 0x80 (-2) is decoded but never produced:
        /// encoding clamps to +-127/64 (the symmetric range, as microxcaling does).
        case twosComplement
    }

    /// The element grid of MXINT8: sign-magnitude, 1 exponent bit, 6 mantissa bits, bias 1, every
    /// code finite, so its values are exactly `k/64` for `k` in -127...127.
    public static let int8Grid = Format("int8_grid", .signed, e: 1, m: 6, bias: 1, .none)

    /// MXFP8 E4M3 (OCP MX v1.0 section 5.3.1): E4M3 elements, 32 per E8M0 scale.
    public static let mxfp8e4m3 = BlockFormat("mxfp8_e4m3", element: .e4m3fn)
    /// MXFP8 E5M2 (OCP MX v1.0 section 5.3.1): E5M2 elements, 32 per E8M0 scale.
    public static let mxfp8e5m2 = BlockFormat("mxfp8_e5m2", element: .e5m2)
    /// MXFP6 E2M3 (OCP MX v1.0 section 5.3.2): E2M3 elements, 32 per E8M0 scale.
    public static let mxfp6e2m3 = BlockFormat("mxfp6_e2m3", element: .e2m3fn)
    /// MXFP6 E3M2 (OCP MX v1.0 section 5.3.2): E3M2 elements, 32 per E8M0 scale.
    public static let mxfp6e3m2 = BlockFormat("mxfp6_e3m2", element: .e3m2fn)
    /// MXFP4 (OCP MX v1.0 section 5.3.3): E2M1 elements, 32 per E8M0 scale.
    public static let mxfp4 = BlockFormat("mxfp4", element: .e2m1fn)
    /// MXINT8 (OCP MX v1.0 section 5.3.4): 8-bit two's complement elements k/64, 32 per E8M0 scale.
    public static let mxint8 = BlockFormat("mxint8", element: int8Grid, storage: .twosComplement)
    /// NVFP4: E2M1 elements, 16 per UE4M3 scale, and an FP32 per-tensor scale.
    public static let nvfp4 = BlockFormat("nvfp4", element: .e2m1fn, blockSize: 16, scale: .ue4m3, tensorScale: true)

    /// Every block format of the catalog.
    public static let all: [BlockFormat] = [.mxfp8e4m3, .mxfp8e5m2, .mxfp6e2m3, .mxfp6e3m2, .mxfp4, .mxint8, .nvfp4]

    /// Other names accepted by ``named(_:)``.
    public static let aliases: [String: String] = [
        "mxfp8": "mxfp8_e4m3", "mxfp8e4m3": "mxfp8_e4m3", "mxfp8e5m2": "mxfp8_e5m2",
        "mxfp6e2m3": "mxfp6_e2m3", "mxfp6e3m2": "mxfp6_e3m2", "mxfp4_e2m1": "mxfp4", "mxfp4e2m1": "mxfp4",
        "mx_int8": "mxint8", "nvfp4_e2m1": "nvfp4",
    ]

    init(_ name: String, element: Format, storage: ElementStorage = .native, blockSize: Int = 32,
         scale: Format = .e8m0fnu, tensorScale: Bool = false) {
        self.name = name
        self.element = element
        self.elementStorage = storage
        self.blockSize = blockSize
        self.scale = scale
        self.hasTensorScale = tensorScale
    }

    /// The block format with this name (case ignored), or nil. Names: those of ``all`` and ``aliases``.
    public static func named(_ name: String) -> BlockFormat? {
        let s = name.lowercased()
        let canonical = aliases[s] ?? s
        return all.first { $0.name == canonical }
    }

    /// The same format with `size` elements per block.
    /// - Precondition: `size >= 1`.
    public func withBlockSize(_ size: Int) -> BlockFormat {
        precondition(size >= 1, "a block has at least one element")
        return BlockFormat(name, element: element, storage: elementStorage, blockSize: size, scale: scale,
                           tensorScale: hasTensorScale)
    }

    /// The largest finite element value (6 for E2M1, 448 for E4M3, 127/64 for INT8).
    public var largestElement: Double { element.decode(element.maxFiniteCode()) }

    /// `emax_elem` of OCP MX v1.0 section 6.3: the exponent of the largest finite element,
    /// `floor(log2(largestElement))` (E4M3 8, E5M2 15, E2M3 2, E3M2 4, E2M1 2, INT8 0).
    public var elementEmax: Int { largestElement.exponent }

    /// Bits per stored element code (8 for FP8 and INT8, 6 for FP6, 4 for FP4).
    public var elementBits: Int { elementStorage == .twosComplement ? 8 : element.bitWidth }
}

extension BlockFormat: CustomStringConvertible {
    /// The name, with the block size when it is not the catalog's (`mxfp4/16`).
    public var description: String {
        let standard = BlockFormat.named(name)?.blockSize
        return standard == blockSize ? name : "\(name)/\(blockSize)"
    }
}

extension BlockFormat {
    /// Block format names and aliases within a small edit distance of `name`, closest first (at most 3).
    public static func closeMatches(to name: String) -> [String] {
        let target = Array(name.lowercased())
        guard target.count <= 48 else { return [] }
        let limit = Swift.max(2, target.count / 3)
        let names: [String] = all.map(\.name) + aliases.keys.sorted()
        var scored: [(distance: Int, name: String)] = []
        for candidate in names {
            let d = Format.editDistance(target, Array(candidate), limit: limit)
            if d <= limit { scored.append((d, candidate)) }
        }
        scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }
        return scored.prefix(3).map(\.name)
    }
}
