import CLibPQ
import Foundation

extension PostgresConnection {
    /// Runs one statement with parameters `$1…$n` and returns its rows (text format).
    ///
    /// - Parameter name: how errors name the statement; defaults to the SQL's first line. Parameter values are
    ///   never part of an error.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresBindable] = [], name: String? = nil)
        throws(PostgresError) -> PostgresRows
    {
        let statement = PostgresConnection.statementName(sql, name)
        let encoded = parameters.map(\.postgresParameter)
        do {
            return try withHandle(statement: statement) { handle in
                let result = PostgresConnection.execParams(handle, sql, encoded)
                return try PostgresConnection.consume(result, handle: handle, statement: statement)
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(.server, message: String(describing: error), statement: statement)
        }
    }

    /// Runs one or more statements without parameters (the simple query protocol), e.g. a migration file.
    public func simpleExecute(_ sql: String, name: String? = nil) throws(PostgresError) {
        let statement = PostgresConnection.statementName(sql, name)
        do {
            try withHandle(statement: statement) { handle in
                let result = PQexec(handle, sql)
                _ = try PostgresConnection.consume(result, handle: handle, statement: statement)
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(.server, message: String(describing: error), statement: statement)
        }
    }

    static func execParams(_ handle: OpaquePointer, _ sql: String, _ parameters: [PostgresParameter])
        -> OpaquePointer?
    {
        let count = parameters.count
        var types = parameters.map { Oid($0.typeOID) }
        var lengths = parameters.map { Int32($0.bytes?.count ?? 0) }
        var formats = parameters.map { Int32($0.isBinary ? 1 : 0) }
        var buffers: [UnsafeMutablePointer<CChar>?] = parameters.map { parameter in
            guard let bytes = parameter.bytes else { return nil }
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { buffer.initialize(from: base, count: bytes.count) }
                }
            }
            buffer[bytes.count] = 0
            return buffer
        }
        defer { for buffer in buffers { buffer?.deallocate() } }
        return buffers.withUnsafeMutableBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constValues in
                PQexecParams(
                    handle, sql, Int32(count), &types, constValues.baseAddress, &lengths, &formats, 0)
            }
        }
    }

    /// Turns a libpq result into rows or an error, and frees it.
    static func consume(_ result: OpaquePointer?, handle: OpaquePointer, statement: String) throws(PostgresError)
        -> PostgresRows
    {
        guard let result else {
            throw PostgresError(.connection, message: errorMessage(handle), statement: statement)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            let rowCount = Int(PQntuples(result))
            let columnCount = Int(PQnfields(result))
            var columns: [String] = []
            columns.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                columns.append(PQfname(result, Int32(c)).map { String(cString: $0) } ?? "?column?")
            }
            var values: [[String?]] = []
            values.reserveCapacity(rowCount)
            for r in 0..<rowCount {
                var row: [String?] = []
                row.reserveCapacity(columnCount)
                for c in 0..<columnCount {
                    if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                        row.append(nil)
                    } else if let pointer = PQgetvalue(result, Int32(r), Int32(c)) {
                        let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
                        row.append(String(decoding: bytes, as: UTF8.self))
                    } else {
                        row.append(nil)
                    }
                }
                values.append(row)
            }
            return PostgresRows(columns: columns, values: values, affectedRows: rowCount, statement: statement)
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            let tag = PQcmdTuples(result).map { String(cString: $0) } ?? ""
            return PostgresRows(columns: [], values: [], affectedRows: Int(tag) ?? 0, statement: statement)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            throw PostgresError(
                .copy, message: "COPY statements go through copyIn/copyOut, not query", statement: statement)
        default:
            throw serverError(result, handle: handle, statement: statement)
        }
    }

    static func serverError(_ result: OpaquePointer?, handle: OpaquePointer, statement: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let result, let ascii = code.asciiValue,
                let value = PQresultErrorField(result, Int32(ascii))
            else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        let message = field("M") ?? errorMessage(handle)
        let kind: PostgresError.Kind =
            PQstatus(handle) != CONNECTION_OK && sqlState == nil ? .connection : .server
        return PostgresError(
            kind, message: message, sqlState: sqlState, detail: field("D"), hint: field("H"), statement: statement)
    }
}
