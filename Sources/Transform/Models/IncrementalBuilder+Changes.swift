import Foundation
import Postgres

/// What `{{ changes('source') }}` (and `added_or_removed()`, `signed()`) reads in an incremental build.
extension IncrementalBuilder {
    /// The query of the changes of `source` since the build at `since`:
    ///
    /// - a clean table: its rows normalised since (`_normalized_at`);
    /// - an incremental model: the rows its builds recorded since in its delta table (`_changed_at`), old (`-`) and
    ///   new (`+`). A partitioned model records a partition it attached by one row naming it (`_change` '*', the
    ///   value in its partition column): its rows are read from the partition itself, all new (`+`), at the time
    ///   of that row. Read now, the partition holds any later change of its rows, so the rows recorded for its
    ///   value from that time on are left out (they are in it already). A partition no longer there (detached
    ///   since) adds nothing.
    func changesQuery(_ c: PostgresConnection, of source: String, since: String) throws -> String {
        let after = "\(SQLText.literal(since))::timestamptz"
        guard !ModelChanges.isCleanTable(source) else {
            return "SELECT * FROM \(source) WHERE _normalized_at > \(after)"
        }
        let delta = ModelChanges.deltaTable(of: source)
        guard let upstream = models[source], let partitions = ModelPartitions(upstream) else {
            return "SELECT * FROM \(delta) WHERE _changed_at > \(after)"
        }
        let markers = try c.query(
            """
            SELECT \(partitions.column)::text AS value, _changed_at::text AS at FROM \(delta)
            WHERE _change = '*' AND _changed_at > $1::timestamptz ORDER BY _changed_at, 1
            """, [since], name: "partitions of \(source) added since the last build of \(model.name)")
        var recorded = "SELECT * FROM \(delta) WHERE _changed_at > \(after) AND _change <> '*'"
        var added: [String] = []
        for marker in markers {
            let value = try marker.decode(String.self, "value")
            let at = "\(SQLText.literal(try marker.decode(String.self, "at")))::timestamptz"
            recorded += " AND NOT (\(partitions.column) = \(SQLText.literal(value)) AND _changed_at >= \(at))"
            let partition = "\(upstream.schema).\(try partitions.name(of: value, under: upstream.table))"
            guard try c.query("SELECT to_regclass($1) IS NOT NULL AS present", [partition]).first?.decode(Bool.self, "present") == true else { continue }
            added.append("SELECT p.*, '+'::text, \(at) FROM \(partition) AS p")
        }
        return ([recorded] + added).joined(separator: "\nUNION ALL ")
    }
}
