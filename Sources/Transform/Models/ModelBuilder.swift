import Foundation
import Postgres

/// Builds one model: the query into a new table, its key and indexes, then the swap, all in one transaction,
/// so readers see the previous table until the new one is complete (and keep it if the build fails). A model
/// with `partition_by` is built into a table partitioned by that column, one partition per value of the query.
struct ModelBuilder {
    let model: SQLModel
    /// The catalog's models by name: a view model that reads this one is made again from its own SQL.
    var models: [String: SQLModel] = [:]

    var staging: String { "\(model.table)__cp_new" }

    /// Builds and swaps in the model; returns its row count.
    func build(_ connection: PostgresConnection) throws -> Int {
        try connection.transaction { c in
            // A build that runs away is stopped (the previous table stays); `-- timeout:` raises the limit.
            try c.simpleExecute("SET LOCAL statement_timeout = '\(model.timeoutSeconds)s'", name: "timeout of \(model.name)")
            try c.simpleExecute("DROP TABLE IF EXISTS \(model.schema).\(staging)", name: "drop leftover of \(model.name)")
            let partitions = ModelPartitions(model)
            let rows: Int
            if let partitions {
                _ = try partitions.create(c, table: staging, sql: model.sql)
                rows = try c.query(
                    "INSERT INTO \(model.schema).\(staging) SELECT * FROM (\(model.sql)) AS m", name: "build \(model.name)").affectedRows
            } else {
                rows = try c.query(
                    "CREATE TABLE \(model.schema).\(staging) AS\n\(model.sql)", name: "build \(model.name)").affectedRows
            }
            if !model.uniqueKey.isEmpty {
                try c.simpleExecute(
                    "ALTER TABLE \(model.schema).\(staging) ADD CONSTRAINT \(staging)_pkey PRIMARY KEY (\(model.uniqueKey.joined(separator: ", ")))",
                    name: "key of \(model.name)")
            }
            for (index, clause) in model.indexClauses.enumerated() {
                try c.simpleExecute(
                    "CREATE INDEX \(staging)_\(index + 1) ON \(model.schema).\(staging) \(clause)", name: "index of \(model.name)")
            }
            let readers = try DependentViews(of: "\(model.schema).\(model.table)", models: models, c)
            try c.simpleExecute(
                "DROP TABLE IF EXISTS \(model.schema).\(model.table)\(readers.views.isEmpty ? "" : " CASCADE")", name: "drop old \(model.name)")
            try c.simpleExecute("ALTER TABLE \(model.schema).\(staging) RENAME TO \(model.table)", name: "swap in \(model.name)")
            if let partitions {
                for name in try partitions.partitions(c, of: model.table) where name.hasPrefix(staging) {
                    try c.simpleExecute(
                        "ALTER TABLE \(model.schema).\(name) RENAME TO \(model.table)\(name.dropFirst(staging.count))",
                        name: "swap in a partition of \(model.name)")
                }
            }
            if !model.uniqueKey.isEmpty {
                try c.simpleExecute(
                    "ALTER INDEX \(model.schema).\(staging)_pkey RENAME TO \(model.table)_pkey", name: "rename key of \(model.name)")
            }
            for index in model.indexes.indices {
                try c.simpleExecute(
                    "ALTER INDEX \(model.schema).\(staging)_\(index + 1) RENAME TO \(model.table)_\(index + 1)", name: "rename index of \(model.name)")
            }
            try readers.recreate(c)
            try comment(c, kind: "TABLE")
            try c.simpleExecute("ANALYZE \(model.schema).\(model.table)", name: "analyze \(model.name)")
            return rows
        }
    }

    /// Makes a view model (`-- materialized: view`) anew, in `c`'s transaction, in place of the view or table of
    /// that name.
    func buildView(_ c: PostgresConnection) throws {
        try c.simpleExecute("SET LOCAL statement_timeout = '\(model.timeoutSeconds)s'", name: "timeout of \(model.name)")
        let kind = try c.query(
            "SELECT relkind::text AS kind FROM pg_class WHERE oid = to_regclass($1)", ["\(model.schema).\(model.table)"], name: "kind of \(model.name)"
        ).first?.decode(String.self, "kind")
        switch kind {
        case nil: break
        case "v": try c.simpleExecute("DROP VIEW \(model.schema).\(model.table)", name: "drop old \(model.name)")
        case "m": try c.simpleExecute("DROP MATERIALIZED VIEW \(model.schema).\(model.table)", name: "drop old \(model.name)")
        default: try c.simpleExecute("DROP TABLE \(model.schema).\(model.table)", name: "drop old \(model.name)")
        }
        try c.simpleExecute("CREATE VIEW \(model.schema).\(model.table) AS\n\(model.sql)", name: "build \(model.name)")
        try comment(c, kind: "VIEW")
    }

    /// The model's description (and file) as the comment on its table or view.
    private func comment(_ c: PostgresConnection, kind: String) throws {
        let comment = (model.description ?? "") + " (model \(model.file))"
        try c.query("SELECT set_config('citypipe.comment', $1, true)", [comment], name: "comment text")
        try c.simpleExecute(
            "DO $$ BEGIN EXECUTE format('COMMENT ON \(kind) \(model.schema).\(model.table) IS %L', current_setting('citypipe.comment')); END $$",
            name: "comment on \(model.name)")
    }
}
