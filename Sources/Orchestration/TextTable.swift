/// A plain-text table for terminals: columns padded to their widest cell, the first row a header.
public struct TextTable: Sendable {
    /// The rows; the first is the header.
    public let rows: [[String]]
    /// Columns aligned to the right (numbers).
    public var rightAligned: Set<Int> = []

    public init(rows: [[String]], rightAligned: Set<Int> = []) {
        self.rows = rows
        self.rightAligned = rightAligned
    }

    /// The table, lines joined by newlines, trailing blanks trimmed.
    public var text: String {
        guard let header = rows.first else { return "" }
        var widths = Array(repeating: 0, count: header.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: max(0, widths[min(index, widths.count - 1)] - cell.count))
                return rightAligned.contains(index) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }
}
