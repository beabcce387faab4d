import Foundation
import Postgres

/// The steps of an incremental build particular to a model kept by adding (`-- incremental_strategy: sum`).
///
/// Its query, run over `{{ signed('schema.model') }}` (the rows its inputs changed since its last build, the old
/// version of each with `_sign` -1 and the new one with 1), gives for each group those rows fall in the change of
/// its sums. The group's new row is the table's row plus that change; a group whose sums all come to zero has no
/// row left (a full build, grouping the rows there are, would not make it). The sums are integers: added in any
/// order they come to what a full build counts, where a numeric sum's scale would depend on which rows it saw.
extension IncrementalBuilder {
    /// Runs the query over the signed changes into `cp_sums`, and its groups into `cp_affected`; returns their number.
    func sumChanges(_ c: PostgresConnection, _ sql: String) throws -> Int {
        try c.simpleExecute("CREATE TEMP TABLE cp_sums ON COMMIT DROP AS SELECT m.* FROM (\(sql)) AS m", name: "sum the changes of \(model.name)")
        return try c.query(
            "CREATE TEMP TABLE cp_affected ON COMMIT DROP AS SELECT \(keyList) FROM cp_sums", name: "groups touched in \(model.name)"
        ).affectedRows
    }

    /// `cp_new`: each touched group's row, its sums the table's plus the changes' (in the table's column order and
    /// types), groups whose sums all come to zero left out.
    func addSums(_ c: PostgresConnection) throws {
        let columns = try c.query(
            """
            SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type
            FROM pg_attribute AS a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, [target], name: "columns of \(model.name)"
        ).map { (name: try $0.decode(String.self, "name"), type: try $0.decode(String.self, "type")) }
        let sums = columns.filter { !model.uniqueKey.contains($0.name) }
        if let other = sums.first(where: { !["smallint", "integer", "bigint"].contains($0.type) }) {
            throw ModelError.invalid(
                file: model.file, line: 0,
                message: "\(other.name) is \(other.type): a model kept by adding (incremental_strategy: sum) holds integer sums of _sign besides its unique key, e.g. sum(_sign) AS records")
        }
        guard !sums.isEmpty else {
            throw ModelError.invalid(
                file: model.file, line: 0, message: "a model kept by adding (incremental_strategy: sum) has sums besides its unique key, e.g. sum(_sign) AS records")
        }
        func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        func added(_ name: String) -> String { "coalesce(t.\(quoted(name)), 0) + coalesce(d.\(quoted(name)), 0)" }
        let select = columns.map { column in
            model.uniqueKey.contains(column.name)
                ? "d.\(quoted(column.name))" : "(\(added(column.name)))::\(column.type) AS \(quoted(column.name))"
        }
        try c.simpleExecute(
            """
            CREATE TEMP TABLE cp_new ON COMMIT DROP AS
            SELECT \(select.joined(separator: ", ")) FROM cp_sums AS d LEFT JOIN \(target) AS t ON \(model.uniqueKey.map { "t.\($0) = d.\($0)" }.joined(separator: " AND "))
            WHERE NOT (\(sums.map { "\(added($0.name)) = 0" }.joined(separator: " AND ")))
            """, name: "add the changes' sums to \(model.name)")
    }
}
