/// Writes rows of a view (PostgreSQL's text of each value, as `PageStatement` selects it) in one format.
struct RowRenderer: Sendable {
    let columns: [RoleShaping.Column]
    let format: OutputFormat
    /// The view's geometry column and unique key (GeoJSON's geometry and id).
    let geometryColumn: String?
    let idColumns: [String]
    private let keys: [[UInt8]]
    private let geometryIndex: Int?
    private let idIndexes: [Int]
    /// Between the values of a composite key in a GeoJSON id.
    let idSeparator: String

    init(columns: [RoleShaping.Column], format: OutputFormat, geometryColumn: String?, idColumns: [String], idSeparator: String = "|") {
        self.idSeparator = idSeparator
        self.columns = columns
        self.format = format
        self.geometryColumn = geometryColumn
        self.idColumns = idColumns
        keys = columns.map { column in
            var bytes: [UInt8] = [UInt8(ascii: "\"")]
            JSONOutput.escape(column.name, into: &bytes)
            bytes += [UInt8(ascii: "\""), UInt8(ascii: ":")]
            return bytes
        }
        geometryIndex = format == .geojson ? columns.firstIndex { $0.name == geometryColumn } : nil
        idIndexes = idColumns.compactMap { name in columns.firstIndex { $0.name == name } }
    }

    /// The CSV header line.
    func csvHeader(into bytes: inout [UInt8]) {
        for (index, column) in columns.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            RowRenderer.csvField(column.name, into: &bytes)
        }
        bytes += [0x0D, 0x0A]
    }

    /// One row: a JSON object (json, ndjson without its newline), a GeoJSON Feature, or a CSV line.
    func row(_ values: [String?], into bytes: inout [UInt8]) {
        switch format {
        case .csv:
            for index in columns.indices {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                if let value = values[index] { RowRenderer.csvField(value, into: &bytes) }
            }
            bytes += [0x0D, 0x0A]
        case .json, .ndjson:
            object(values, skipping: nil, into: &bytes)
        case .geojson:
            bytes += Array(#"{"type":"Feature","id":"#.utf8)
            if idIndexes.count == 1, let value = values[idIndexes[0]] {
                appendString(value, into: &bytes)
            } else if !idIndexes.isEmpty {
                appendString(idIndexes.map { values[$0] ?? "" }.joined(separator: idSeparator), into: &bytes)
            } else {
                bytes += Array("null".utf8)
            }
            bytes += Array(#","geometry":"#.utf8)
            if let geometryIndex, let geometry = values[geometryIndex] {
                bytes += Array(geometry.utf8)
            } else {
                bytes += Array("null".utf8)
            }
            bytes += Array(#","properties":"#.utf8)
            object(values, skipping: geometryIndex, into: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private func object(_ values: [String?], skipping: Int?, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for index in columns.indices where index != skipping {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes += keys[index]
            guard let value = values[index] else {
                bytes += Array("null".utf8)
                continue
            }
            switch columns[index].category {
            case .number:
                if value.utf8.contains(where: { $0 >= UInt8(ascii: "A") }) {
                    bytes += Array("null".utf8)  // NaN, Infinity: no JSON number
                } else {
                    bytes += Array(value.utf8)
                }
            case .boolean:
                bytes += Array((value == "t" || value == "true" ? "true" : "false").utf8)
            case .json, .geometry:
                bytes += Array(value.utf8)
            case .text:
                appendString(value, into: &bytes)
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private func appendString(_ value: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        JSONOutput.escape(value, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A field that a
    /// spreadsheet would run as a formula (= + - @ at the start) is prefixed with a quote mark (OWASP).
    static func csvField(_ value: String, into bytes: inout [UInt8]) {
        let utf8 = value.utf8
        let formula = utf8.first.map { [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "@")].contains($0) } ?? false
        let needsQuotes = formula || utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            bytes += Array(utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        if formula { bytes.append(UInt8(ascii: "'")) }
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
