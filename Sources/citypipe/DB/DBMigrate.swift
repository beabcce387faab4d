import ArgumentParser
import Postgres
import Warehouse

/// `citypipe db migrate`: applies pending migrations and loads changed reference data.
struct DBMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending migrations and load the reference data into ref.*.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Console.run {
            let connection = try database.connect()
            defer { connection.close() }
            let report = try Warehouse.migrate(connection)
            for migration in report.migrations.applied {
                Console.print("applied migration \(migration.version) \(migration.name)")
            }
            Console.print(
                "migrations: \(report.migrations.applied.count) applied, \(report.migrations.alreadyApplied) already in place")
            Console.print(report.reference.loaded ? "reference data loaded" : "reference data unchanged")
        }
    }
}
