import CLibPQ

/// Writes rows into a running `COPY … FROM STDIN` in PostgreSQL's text format.
///
/// Values are escaped as the format requires (backslash, tab, newline and carriage return), `nil` becomes `\N`
/// (so NULL stays distinct from the empty string), and a NUL byte, which PostgreSQL text cannot hold, is an
/// error naming the row and column. Rows are gathered into a buffer and sent in pieces of `bufferSize`.
public final class CopyInWriter {
    /// Bytes gathered before a piece is sent to the server: 64 KiB, small enough that building the next piece
    /// overlaps the server parsing the last one. Measured (Benchmarks/copy): 1 MiB pieces ran at 0.76 of
    /// `psql \copy`, 64 KiB pieces at 1.02.
    public static let bufferSize = 1 << 16

    /// Column names used in error messages (optional).
    public let columnNames: [String]
    /// Rows completed so far.
    public private(set) var rowCount = 0
    /// Bytes sent so far.
    public private(set) var bytesSent = 0

    private var buffer: [UInt8] = []
    /// Set for a writer that encodes into memory only (`inMemory`): nothing is sent, everything is kept.
    private var keepsAll = false
    private var column = 0
    private let send: ([UInt8]) throws(PostgresError) -> Void
    private let statement: String

    init(columnNames: [String], statement: String, send: @escaping ([UInt8]) throws(PostgresError) -> Void) {
        self.columnNames = columnNames
        self.statement = statement
        self.send = send
        buffer.reserveCapacity(CopyInWriter.bufferSize + 64 * 1024)
    }

    /// A writer that encodes rows into memory instead of sending them, so that a batch can be encoded on another
    /// thread than the connection's; `encoded()` gives the bytes, which a running COPY takes with `appendRaw`.
    public static func inMemory(columnNames: [String] = [], capacity: Int = 0) -> CopyInWriter {
        let writer = CopyInWriter(columnNames: columnNames, statement: "(in memory)", send: { _ in })
        writer.keepsAll = true
        writer.buffer.reserveCapacity(capacity)
        return writer
    }

    /// What an `inMemory` writer has encoded (complete rows and any row begun).
    public func encoded() -> [UInt8] { buffer }

    /// Appends one text value to the current row; nil is SQL NULL.
    public func append(_ value: String?) throws(PostgresError) {
        separate()
        guard var value else {
            buffer.append(92); buffer.append(78)  // \N
            return
        }
        var clean = value.utf8.withContiguousStorageIfAvailable { appendEscaped(UnsafeRawBufferPointer($0)) }
        if clean == nil {
            value.makeContiguousUTF8()
            clean = value.utf8.withContiguousStorageIfAvailable { appendEscaped(UnsafeRawBufferPointer($0)) }
        }
        guard clean == true else { throw nulByteError() }
        try flushIfFull()
    }

    /// Appends raw UTF-8 bytes as one text value (escaped like a string); nil is SQL NULL.
    public func append(utf8 bytes: UnsafeRawBufferPointer?) throws(PostgresError) {
        separate()
        guard let bytes else {
            buffer.append(92); buffer.append(78)
            return
        }
        guard appendEscaped(bytes) else { throw nulByteError() }
        try flushIfFull()
    }

    /// Appends an integer.
    public func append(_ value: Int?) throws(PostgresError) {
        separate()
        guard let value else {
            buffer.append(92); buffer.append(78)
            return
        }
        buffer.append(contentsOf: String(value).utf8)
    }

    /// Appends a floating-point number.
    public func append(_ value: Double?) throws(PostgresError) {
        guard let value else { return try append(nil as String?) }
        try append(value.isNaN ? "NaN" : value.isInfinite ? (value < 0 ? "-Infinity" : "Infinity") : "\(value)")
    }

    /// Appends a boolean.
    public func append(_ value: Bool?) throws(PostgresError) {
        guard let value else { return try append(nil as String?) }
        separate()
        buffer.append(value ? 116 : 102)
    }

    /// Ends the current row.
    public func endRow() throws(PostgresError) {
        buffer.append(10)
        column = 0
        rowCount += 1
        try flushIfFull()
    }

    /// Appends a whole row of text values and ends it.
    public func writeRow(_ values: [String?]) throws(PostgresError) {
        for value in values { try append(value) }
        try endRow()
    }

    /// Appends bytes already in the COPY statement's format (for example a CSV file with `FORMAT csv`), as is.
    public func appendRaw(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        try flushIfFull()
    }

    /// Sends whatever is buffered.
    public func flush() throws(PostgresError) {
        guard !buffer.isEmpty, !keepsAll else { return }
        try send(buffer)
        bytesSent += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func separate() {
        if column > 0 { buffer.append(9) }
        column += 1
    }

    private func flushIfFull() throws(PostgresError) {
        if !keepsAll && buffer.count >= CopyInWriter.bufferSize { try flush() }
    }

    private func nulByteError() -> PostgresError {
        let name = column - 1 < columnNames.count ? columnNames[column - 1] : "column \(column)"
        return PostgresError(
            .copy,
            message: "row \(rowCount + 1), \(name): the value holds a NUL byte, which PostgreSQL text cannot store; strip it at the source or load the field as bytea",
            statement: statement)
    }

    /// Appends `bytes` escaped; false (and nothing appended past the NUL) when they hold a NUL byte.
    private func appendEscaped(_ bytes: UnsafeRawBufferPointer) -> Bool {
        CopyTextEscaping.append(bytes, to: &buffer)
    }
}
