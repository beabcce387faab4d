import CLibPQ

extension PostgresConnection {
    /// Runs `COPY … FROM STDIN` (text format) and lets `body` write its rows.
    ///
    /// When `body` throws, the COPY is aborted (nothing it wrote is kept) and the error is rethrown.
    /// - Returns: the number of rows the server loaded.
    @discardableResult
    public func copyIn(
        _ sql: String, columns: [String] = [], name: String? = nil, _ body: (CopyInWriter) throws -> Void
    ) throws -> Int {
        let statement = PostgresConnection.statementName(sql, name)
        return try withHandle(statement: statement) { handle in
            let start = PQexec(handle, sql)
            guard PQresultStatus(start) == PGRES_COPY_IN else {
                defer { PQclear(start) }
                if PQresultStatus(start) == PGRES_FATAL_ERROR || start == nil {
                    throw PostgresConnection.serverError(start, handle: handle, statement: statement)
                }
                throw PostgresError(.copy, message: "the statement is not a COPY FROM STDIN", statement: statement)
            }
            PQclear(start)
            let writer = CopyInWriter(columnNames: columns, statement: statement) { (bytes) throws(PostgresError) in
                let sent = bytes.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        PQputCopyData(handle, chars.baseAddress, Int32(chars.count))
                    }
                }
                guard sent == 1 else {
                    throw PostgresError(
                        .connection, message: PostgresConnection.errorMessage(handle), statement: statement)
                }
            }
            do {
                try body(writer)
                try writer.flush()
            } catch {
                PQputCopyEnd(handle, "aborted by the client")
                PostgresConnection.drainResults(handle)
                throw error
            }
            guard PQputCopyEnd(handle, nil) == 1 else {
                throw PostgresError(.connection, message: PostgresConnection.errorMessage(handle), statement: statement)
            }
            let rows = try PostgresConnection.finishCopy(handle, statement: statement)
            return rows
        }
    }

    /// Runs `COPY … TO STDOUT` (text format) and hands each row's bytes (with its newline) to `body`, streaming.
    /// - Returns: the number of rows.
    @discardableResult
    public func copyOut(_ sql: String, name: String? = nil, _ body: (UnsafeRawBufferPointer) throws -> Void)
        throws -> Int
    {
        let statement = PostgresConnection.statementName(sql, name)
        return try withHandle(statement: statement) { handle in
            let start = PQexec(handle, sql)
            guard PQresultStatus(start) == PGRES_COPY_OUT else {
                defer { PQclear(start) }
                throw PostgresConnection.serverError(start, handle: handle, statement: statement)
            }
            PQclear(start)
            var failure: (any Error)? = nil
            while true {
                var pointer: UnsafeMutablePointer<CChar>? = nil
                let length = PQgetCopyData(handle, &pointer, 0)
                if length > 0, let pointer {
                    if failure == nil {
                        do {
                            try body(UnsafeRawBufferPointer(start: pointer, count: Int(length)))
                        } catch {
                            // Keep reading to the end so the connection stays usable, then rethrow.
                            failure = error
                        }
                    }
                    PQfreemem(pointer)
                    continue
                }
                if length == -1 { break }
                throw PostgresError(.connection, message: PostgresConnection.errorMessage(handle), statement: statement)
            }
            let rows = try PostgresConnection.finishCopy(handle, statement: statement)
            if let failure { throw failure }
            return rows
        }
    }

    /// Streams `COPY … TO STDOUT` rows decoded into fields.
    @discardableResult
    public func copyOutRows(_ sql: String, name: String? = nil, _ body: ([String?]) throws -> Void) throws -> Int {
        try copyOut(sql, name: name) { row in try body(CopyTextDecoder.fields(of: row)) }
    }

    static func finishCopy(_ handle: OpaquePointer, statement: String) throws(PostgresError) -> Int {
        var rows = 0
        var error: PostgresError? = nil
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(PQcmdTuples(result).map { String(cString: $0) } ?? "") ?? 0
            } else if error == nil {
                error = serverError(result, handle: handle, statement: statement)
            }
            PQclear(result)
        }
        if let error { throw error }
        return rows
    }

    static func drainResults(_ handle: OpaquePointer) {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}
