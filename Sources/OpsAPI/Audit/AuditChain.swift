import Postgres

/// Checks the audit log's hash chain: every row's `prev_hash` is the previous row's `row_hash`, and every
/// `row_hash` and `subjects_digest` is what its fields and its subjects give. A row altered, removed or inserted
/// by hand breaks the chain at that row.
public enum AuditChain {
    /// What a check found.
    public struct Report: Sendable, Equatable {
        /// Rows checked.
        public let rows: Int
        /// The first row whose chain does not hold, and why; nil when the whole log holds.
        public let firstBroken: (auditID: Int64, reason: String)?

        public static func == (a: Report, b: Report) -> Bool {
            a.rows == b.rows && a.firstBroken?.auditID == b.firstBroken?.auditID && a.firstBroken?.reason == b.firstBroken?.reason
        }
    }

    /// Reads the log in order, a batch at a time, recomputing each row's hashes in PostgreSQL.
    public static func verify(_ connection: PostgresConnection, batch: Int = 5_000) throws(PostgresError) -> Report {
        var previousHash = String(repeating: "0", count: 64)
        var previousID: Int64 = 0
        var checked = 0
        while true {
            let rows = try connection.query(
                """
                SELECT a.audit_id, a.prev_hash, a.row_hash, a.subjects_digest,
                       citypipe.audit_row_hash(a.prev_hash, a.audit_id, a.at, a.token_name, a.role, a.purpose, a.view_name,
                                               a.request, a.row_count, a.subjects_digest) AS computed_hash,
                       citypipe.audit_subjects_digest(ARRAY(SELECT s.subject FROM citypipe.audit_subjects AS s WHERE s.audit_id = a.audit_id)) AS computed_digest,
                       (SELECT count(*) FROM citypipe.audit_subjects AS s WHERE s.audit_id = a.audit_id) AS subjects
                FROM citypipe.audit_log AS a WHERE a.audit_id > $1 ORDER BY a.audit_id LIMIT $2
                """, [previousID, batch], name: "audit chain")
            if rows.isEmpty { break }
            for row in rows {
                let id = try row.decode(Int64.self, "audit_id")
                checked += 1
                if id != previousID + 1 {
                    return Report(rows: checked, firstBroken: (id, "row ids jump from \(previousID) to \(id): rows were removed"))
                }
                if try row.decode(String.self, "prev_hash") != previousHash {
                    return Report(rows: checked, firstBroken: (id, "prev_hash is not the previous row's hash"))
                }
                if try row.decode(String.self, "computed_digest") != row.decode(String.self, "subjects_digest") {
                    return Report(rows: checked, firstBroken: (id, "its subjects do not give its subjects_digest: subjects were changed"))
                }
                let hash = try row.decode(String.self, "row_hash")
                if try row.decode(String.self, "computed_hash") != hash {
                    return Report(rows: checked, firstBroken: (id, "its fields do not give its row_hash: the row was changed"))
                }
                previousHash = hash
                previousID = id
            }
        }
        return Report(rows: checked, firstBroken: nil)
    }
}
