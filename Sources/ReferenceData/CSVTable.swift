import Foundation

/// A small RFC 4180 reader for the reference CSV files: a header row, then records addressed by column name.
///
/// The reference files are a few megabytes at most and read once per process, so the whole table is held in memory.
public struct CSVTable: Sendable {
    /// Column names from the header row.
    public let header: [String]
    /// Records, each with as many values as the header has columns.
    public let rows: [[String]]
    private let index: [String: Int]

    /// Parses `text`; `file` names the source in errors.
    public init(text: String, file: String) throws(ReferenceDataError) {
        var records = CSVTable.split(text)
        guard !records.isEmpty else { throw .malformedRow(file: file, line: 1, reason: "no header row") }
        var head = records.removeFirst()
        if let first = head.first, first.hasPrefix("\u{FEFF}") { head[0] = String(first.dropFirst()) }
        var rows: [[String]] = []
        rows.reserveCapacity(records.count)
        for (offset, record) in records.enumerated() {
            if record.count == 1 && record[0].isEmpty { continue }
            guard record.count == head.count else {
                throw .malformedRow(
                    file: file, line: offset + 2,
                    reason: "\(record.count) values where the header has \(head.count) columns")
            }
            rows.append(record)
        }
        self.header = head
        self.rows = rows
        self.index = Dictionary(head.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads and parses one of the shipped reference files.
    public init(_ file: ReferenceFile) throws(ReferenceDataError) {
        let data = try file.data()
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(file: file.rawValue, reason: "not UTF-8")
        }
        try self.init(text: text, file: file.rawValue)
    }

    /// The position of `column`, or an error naming the file when the header lacks it.
    public func column(_ column: String, file: String) throws(ReferenceDataError) -> Int {
        guard let position = index[column] else {
            throw .malformedRow(file: file, line: 1, reason: "header has no column \(column)")
        }
        return position
    }

    /// Splits CSV text into records of fields (quotes, doubled quotes, CRLF).
    static func split(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty:
                quoted = true
            case ",":
                record.append(field)
                field = ""
            case "\r":
                continue
            case "\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default:
                field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
