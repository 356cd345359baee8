/// Where the blocks of an array are: the array is seen as `[outer, length, inner]` in C order, the
/// middle axis being the block axis, so that blocks are runs of ``BlockFormat/blockSize`` elements
/// along it, `inner` apart in memory. The last block of each line has `length % blockSize`
/// elements when that is not zero: `amax` is taken over the elements present (as if the block were
/// padded with zeros) and no element is written for the missing ones.
///
/// Scales form an array `[outer, blocksPerLine, inner]`: the source's shape with the block axis
/// shortened to `ceil(length / blockSize)`. Element codes have the source's shape.
public struct BlockLayout: Sendable, Hashable {
    /// The product of the dimensions before the block axis.
    public let outer: Int
    /// The length of the block axis.
    public let length: Int
    /// The product of the dimensions after the block axis (1 for the last axis).
    public let inner: Int
    /// Elements per block.
    public let blockSize: Int

    /// The layout of a C-order array of this shape with blocks along `axis` (negative counts from
    /// the end: -1 is the last axis). A 0-d array is treated as shape `[1]`.
    /// - Precondition: `axis` is in range; every dimension is >= 0; `blockSize >= 1`.
    public init(shape: [Int], axis: Int = -1, blockSize: Int) {
        let shape = shape.isEmpty ? [1] : shape
        let a = axis < 0 ? axis + shape.count : axis
        precondition(shape.indices.contains(a), "axis \(axis) is out of range for \(shape.count) dimensions")
        precondition(shape.allSatisfy { $0 >= 0 } && blockSize >= 1)
        self.outer = shape[..<a].reduce(1, *)
        self.length = shape[a]
        self.inner = shape[(a + 1)...].reduce(1, *)
        self.blockSize = blockSize
    }

    /// A layout from its three extents.
    public init(outer: Int, length: Int, inner: Int, blockSize: Int) {
        precondition(outer >= 0 && length >= 0 && inner >= 0 && blockSize >= 1)
        self.outer = outer
        self.length = length
        self.inner = inner
        self.blockSize = blockSize
    }

    /// Elements in the array.
    public var elementCount: Int { outer * length * inner }
    /// Blocks along one line of the block axis: `ceil(length / blockSize)`.
    public var blocksPerLine: Int { (length + blockSize - 1) / blockSize }
    /// Scales (blocks) in the array.
    public var scaleCount: Int { outer * blocksPerLine * inner }

    /// The scale array's shape for a source of `shape` with blocks along `axis`.
    public static func scaleShape(_ shape: [Int], axis: Int, blockSize: Int) -> [Int] {
        var s = shape.isEmpty ? [1] : shape
        let a = axis < 0 ? axis + s.count : axis
        s[a] = (s[a] + blockSize - 1) / blockSize
        return s
    }

    /// Block `t` (the index of its scale): its first element's flat index, how many elements it has,
    /// and the distance between them.
    @inline(__always)
    public func block(_ t: Int) -> (first: Int, count: Int, stride: Int) {
        let i = t % inner
        let rest = t / inner
        let b = rest % blocksPerLine
        let o = rest / blocksPerLine
        let start = b * blockSize
        return ((o * length + start) * inner + i, min(blockSize, length - start), inner)
    }
}
