import ArgumentParser
import Postgres
import Warehouse

/// `--database-url`, shared by every command that needs a database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: "PostgreSQL URL or conninfo (else DATABASE_URL, PG* variables, or the embedded cluster).")
    var databaseURL: String?

    var target: DatabaseTarget { DatabaseTarget.resolve(flag: databaseURL) }

    /// Connects to the selected database, starting the embedded cluster when that is the one.
    func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(try target.conninfo(start: true))
    }
}
