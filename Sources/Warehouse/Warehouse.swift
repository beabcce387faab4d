import Foundation
import Postgres

/// The project's database: its migrations (SQL files shipped as resources), the reference data loaded into
/// `ref.*`, and a summary of what it holds.
public enum Warehouse {
    /// The migrations shipped with this build, in order.
    public static func migrations() throws(PostgresError) -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw PostgresError(
                .migration, message: "the Migrations folder is missing from the install",
                hint: "reinstall citypipe with its resource bundles beside the binary")
        }
        return try Migration.load(from: folder)
    }

    /// What `migrate` did.
    public struct MigrateReport: Sendable {
        public var migrations: Migrator.Report
        public var reference: ReferenceLoader.Report
    }

    /// Applies pending migrations only (cheap: a few small files). Commands that need the schema but not the
    /// reference data (`ingest`) call this; `db migrate` also loads the reference data.
    @discardableResult
    public static func migrateSchema(_ connection: PostgresConnection) throws -> Migrator.Report {
        try Migrator().migrate(connection, try Warehouse.migrations())
    }

    /// Applies pending migrations, then loads the reference data when it changed.
    public static func migrate(_ connection: PostgresConnection) throws -> MigrateReport {
        let migrations = try migrateSchema(connection)
        let reference = try ReferenceLoader().load(connection)
        return MigrateReport(migrations: migrations, reference: reference)
    }

    /// Row counts of the reference tables and the number of applied migrations.
    public static func summary(_ connection: PostgresConnection) throws -> [(String, Int)] {
        let tables = [
            "ref.admin_unit_2024", "ref.admin_unit_2025", "ref.admin_crosswalk_2025", "ref.ward_boundary_2025",
            "citypipe.schema_migrations",
        ]
        var counts: [(String, Int)] = []
        for table in tables {
            let exists = try connection.query("SELECT to_regclass($1) IS NOT NULL AS present", [table], name: "find table")
                .first?.decode(Bool.self, "present") ?? false
            guard exists else {
                counts.append((table, 0))
                continue
            }
            let count = try connection.query("SELECT count(*) AS n FROM \(table)", name: "count \(table)")
                .first?.decode(Int.self, "n") ?? 0
            counts.append((table, count))
        }
        return counts
    }
}
