import Minifloat

/// FP4 codes of an array packed two per byte along its storage-contiguous axis (the last for C
/// order, the first for Fortran order), as the block formats, PyTorch's `float4_e2m1fn_x2` and the
/// Python package store them: each row of `rowLength` codes becomes `(rowLength + 1) / 2` bytes
/// (``PackedFP4``), a row of odd length ending with a zero high nibble. A 0-d array is one row of
/// one code.
///
/// When rows have even length, or there is one row, the bytes are the codes packed in storage order
/// without a break, and the pieces below are plain ranges of the stream.
struct PackedRows {
    /// Codes per row (the contiguous axis's length).
    let rowLength: Int
    /// Number of rows (0 when the array is empty).
    let rows: Int

    init(shape: [Int], fortranOrder: Bool) {
        let s = shape.isEmpty ? [1] : shape
        rowLength = fortranOrder ? s[0] : s[s.count - 1]
        let count = s.reduce(1, *)
        rows = rowLength == 0 ? 0 : count / rowLength
    }

    init(rowLength: Int, rows: Int) {
        self.rowLength = rowLength
        self.rows = rows
    }

    /// Bytes per packed row.
    var rowBytes: Int { (rowLength + 1) / 2 }
    /// Bytes of the packed array.
    var byteCount: Int { rows * rowBytes }
    /// Codes of the array.
    var count: Int { rows * rowLength }
    /// Whether the bytes are the codes packed in storage order without a break at row ends.
    var isContinuous: Bool { rowLength % 2 == 0 || rows <= 1 }

    /// A run of codes, in storage order, and the bytes that hold them.
    struct Piece {
        /// The codes' storage positions.
        let elements: Range<Int>
        /// The bytes holding them.
        let bytes: Range<Int>
        /// Codes per packed row within the piece: whole rows of ``PackedRows/rowLength``, or
        /// `elements.count` for a piece packed as one run (byte-aligned, padded only at its end).
        let rowLength: Int
    }

    /// The array in pieces of about `chunk` codes (`chunk` even): runs of the byte stream when it
    /// is continuous; otherwise whole rows, or parts of one row when a row is longer than `chunk`.
    func pieces(chunk: Int) -> [Piece] {
        precondition(chunk >= 2 && chunk % 2 == 0)
        var out: [Piece] = []
        if isContinuous {
            let n = count
            for start in stride(from: 0, to: n, by: chunk) {
                let end = min(start + chunk, n)
                out.append(Piece(elements: start..<end, bytes: start / 2..<(end + 1) / 2, rowLength: end - start))
            }
        } else if rowLength <= chunk {
            let perPiece = chunk / rowLength
            for r in stride(from: 0, to: rows, by: perPiece) {
                let end = min(r + perPiece, rows)
                out.append(Piece(elements: r * rowLength..<end * rowLength, bytes: r * rowBytes..<end * rowBytes,
                                 rowLength: rowLength))
            }
        } else {
            for r in 0..<rows {
                for j in stride(from: 0, to: rowLength, by: chunk) {
                    let end = min(j + chunk, rowLength)
                    out.append(Piece(elements: r * rowLength + j..<r * rowLength + end,
                                     bytes: r * rowBytes + j / 2..<r * rowBytes + (end + 1) / 2, rowLength: end - j))
                }
            }
        }
        return out
    }

    /// The byte of code `p` (storage position) and its nibble: low for an even place in its row.
    func byteAndNibble(of p: Int) -> (byte: Int, high: Bool) {
        if isContinuous { return (p / 2, p % 2 == 1) }
        let j = p % rowLength
        return (p / rowLength * rowBytes + j / 2, j % 2 == 1)
    }
}
