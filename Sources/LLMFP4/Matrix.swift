/// A dense row-major matrix of Doubles: the calibration activations X (n x c) and weights W (c x o).
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, row-major.
    public var values: [Double]

    /// A matrix of `rows` x `columns` entries, row-major. - Precondition: `values.count == rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "values must hold rows * columns elements")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Entry (i, j).
    public subscript(i: Int, j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    /// The largest magnitude of column j.
    public func columnMaxAbs(_ j: Int) -> Double {
        (0..<rows).reduce(0.0) { m, i in Swift.max(m, Swift.abs(self[i, j])) }
    }

    /// The largest magnitude of all elements.
    public var maxAbs: Double { values.reduce(0) { Swift.max($0, Swift.abs($1)) } }

    /// `self * other` (n x c times c x o).
    public func times(_ other: Matrix) -> Matrix {
        precondition(columns == other.rows, "inner dimensions differ")
        var out = [Double](repeating: 0, count: rows * other.columns)
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { y in
                    for i in 0..<rows {
                        for j in 0..<columns {
                            let x = a[i * columns + j]
                            if x == 0 { continue }
                            let rowB = j * other.columns, rowY = i * other.columns
                            for k in 0..<other.columns { y[rowY + k] += x * b[rowB + k] }
                        }
                    }
                }
            }
        }
        return Matrix(rows: rows, columns: other.columns, values: out)
    }

    /// Mean squared difference of each column (over rows).
    public func columnMSE(_ other: Matrix) -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        for i in 0..<rows {
            for k in 0..<columns {
                let d = self[i, k] - other[i, k]
                sums[k] += d * d
            }
        }
        return sums.map { $0 / Double(rows) }
    }

    /// Mean squared difference over all elements.
    public func mse(_ other: Matrix) -> Double {
        columnMSE(other).reduce(0, +) / Double(columns)
    }
}
