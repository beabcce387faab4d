import CLibPQ

/// A `COPY … FROM STDIN` (text format) kept open across calls, so that rows sent in many pieces reach one
/// statement: the server parses them as they arrive instead of waiting, between pieces, for a new COPY to be
/// sent, parsed and answered. Until `finish()` or `abort(_:)`, the connection must not be used for anything
/// else. A row the server refuses fails the COPY; the error comes with `finish()`.
public final class OpenCopyIn {
    private let connection: PostgresConnection
    private let statement: String
    private var open = true
    /// Bytes sent so far.
    public private(set) var bytesSent = 0

    init(connection: PostgresConnection, statement: String) {
        self.connection = connection
        self.statement = statement
    }

    /// Sends rows already in the COPY text format (whole rows, each ending in a newline).
    public func send(_ bytes: UnsafeRawBufferPointer) throws {
        guard open else { throw PostgresError(.copy, message: "the COPY has ended", statement: statement) }
        guard !bytes.isEmpty, let base = bytes.baseAddress else { return }
        let statement = self.statement
        try connection.withHandle(statement: statement) { handle in
            var offset = 0
            while offset < bytes.count {
                // In pieces of at most `CopyInWriter.bufferSize`, as `copyIn` sends them.
                let length = min(CopyInWriter.bufferSize, bytes.count - offset)
                let sent = PQputCopyData(
                    handle, base.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(length))
                guard sent == 1 else {
                    throw PostgresError(.connection, message: PostgresConnection.errorMessage(handle), statement: statement)
                }
                offset += length
            }
        }
        bytesSent += bytes.count
    }

    /// Ends the COPY; returns the number of rows the server loaded, or throws its error.
    @discardableResult
    public func finish() throws -> Int {
        guard open else { return 0 }
        open = false
        let statement = self.statement
        return try connection.withHandle(statement: statement) { handle -> Int in
            guard PQputCopyEnd(handle, nil) == 1 else {
                throw PostgresError(.connection, message: PostgresConnection.errorMessage(handle), statement: statement)
            }
            return try PostgresConnection.finishCopy(handle, statement: statement)
        }
    }

    /// Ends the COPY as failed: nothing it loaded is kept (the transaction is left failed).
    public func abort(_ reason: String) {
        guard open else { return }
        open = false
        try? connection.withHandle(statement: statement) { handle in
            PQputCopyEnd(handle, reason)
            PostgresConnection.drainResults(handle)
        }
    }
}

extension PostgresConnection {
    /// Starts `COPY … FROM STDIN` (text format) and returns it open, to send rows in many pieces.
    public func beginCopyIn(_ sql: String, name: String? = nil) throws -> OpenCopyIn {
        let statement = PostgresConnection.statementName(sql, name)
        try withHandle(statement: statement) { handle in
            let start = PQexec(handle, sql)
            defer { PQclear(start) }
            guard PQresultStatus(start) == PGRES_COPY_IN else {
                if PQresultStatus(start) == PGRES_FATAL_ERROR || start == nil {
                    throw PostgresConnection.serverError(start, handle: handle, statement: statement)
                }
                throw PostgresError(.copy, message: "the statement is not a COPY FROM STDIN", statement: statement)
            }
        }
        return OpenCopyIn(connection: self, statement: statement)
    }
}
