/// The rows a statement returned, fully read into Swift values (text format).
///
/// For large results use `COPY … TO STDOUT` (`PostgresConnection.copyOut`) instead, which streams.
public struct PostgresRows: Sendable, Sequence {
    /// Column names in order.
    public let columns: [String]
    /// Each row's values; nil is SQL NULL.
    public let values: [[String?]]
    /// The command tag's row count (`INSERT 0 5` → 5), for statements that return no rows.
    public let affectedRows: Int
    /// The statement's name, for error messages.
    public let statement: String
    let columnIndex: [String: Int]

    init(columns: [String], values: [[String?]], affectedRows: Int, statement: String) {
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
        self.statement = statement
        self.columnIndex = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }
    public var first: PostgresRow? { values.isEmpty ? nil : PostgresRow(rows: self, index: 0) }

    public subscript(index: Int) -> PostgresRow { PostgresRow(rows: self, index: index) }

    public func makeIterator() -> AnyIterator<PostgresRow> {
        var index = 0
        return AnyIterator {
            guard index < values.count else { return nil }
            defer { index += 1 }
            return PostgresRow(rows: self, index: index)
        }
    }
}

/// One row of `PostgresRows`, with typed access by column name or position.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    public let index: Int

    /// The raw text of a column (nil for NULL).
    public func text(_ position: Int) throws(PostgresError) -> String? {
        guard position >= 0, position < rows.columns.count else {
            throw PostgresError(
                .decoding, message: "column position \(position) is out of range (\(rows.columns.count) columns)",
                statement: rows.statement)
        }
        return rows.values[index][position]
    }

    /// Decodes the column at `position`; NULL or a value that does not fit `T` is an error naming the column.
    public func decode<T: PostgresDecodable>(_ type: T.Type, at position: Int) throws(PostgresError) -> T {
        guard let value = try decode(T?.self, at: position) else {
            throw PostgresError(
                .decoding, message: "column \(rows.columns[position]) is NULL, expected \(T.self)",
                statement: rows.statement)
        }
        return value
    }

    /// Decodes the column at `position`, with NULL as nil.
    public func decode<T: PostgresDecodable>(_ type: T?.Type, at position: Int) throws(PostgresError) -> T? {
        guard let raw = try text(position) else { return nil }
        guard let value = T(postgresText: raw) else {
            throw PostgresError(
                .decoding, message: "column \(rows.columns[position]) does not decode as \(T.self)",
                statement: rows.statement)
        }
        return value
    }

    /// Decodes the column named `column`.
    public func decode<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws(PostgresError) -> T {
        try decode(T.self, at: position(of: column))
    }

    /// Decodes the column named `column`, with NULL as nil.
    public func decode<T: PostgresDecodable>(_ type: T?.Type, _ column: String) throws(PostgresError) -> T? {
        try decode(T?.self, at: position(of: column))
    }

    private func position(of column: String) throws(PostgresError) -> Int {
        guard let position = rows.columnIndex[column] else {
            throw PostgresError(
                .decoding, message: "the result has no column \(column) (columns: \(rows.columns.joined(separator: ", ")))",
                statement: rows.statement)
        }
        return position
    }
}
