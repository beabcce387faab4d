import Postgres

/// Writes a read of personal data to `citypipe.audit_log` before the rows leave: through
/// `citypipe.audit_append`, which chains the new row to the last one under the log's lock and stores the
/// subjects' pseudonyms. A failure to audit is a failure to serve (fail closed).
struct AuditWriter: Sendable {
    let pool: ConnectionPool

    /// What one audit row records.
    struct Entry: Sendable {
        let requestID: String
        let caller: Caller
        let purpose: Purpose
        let view: String
        /// The route and its query string (filters included: the audit log is itself personal data, read by
        /// auditors only).
        let request: String
    }

    func append(_ entry: Entry, subjects: [String]) async throws -> Int64 {
        try await pool.withConnection { connection in
            try AuditWriter.append(connection, entry, subjects: subjects)
        }
    }

    static func append(_ connection: PostgresConnection, _ entry: Entry, subjects: [String]) throws -> Int64 {
        let literal = "{" + subjects.map { "\"\($0)\"" }.joined(separator: ",") + "}"
        let row = try connection.query(
            "SELECT citypipe.audit_append($1, $2, $3, $4, $5, $6, $7::text[]) AS id",
            [entry.requestID, entry.caller.tokenName, entry.caller.role.rawValue, entry.purpose.rawValue, entry.view,
             entry.request, literal], name: "audit append")
        return try row.first?.decode(Int64.self, "id") ?? 0
    }
}
