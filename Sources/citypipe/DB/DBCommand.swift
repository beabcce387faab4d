import ArgumentParser

/// `citypipe db …`: the embedded default database and migrations.
struct DBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded PostgreSQL cluster and the schema.",
        subcommands: [DBUp.self, DBDown.self, DBStatus.self, DBURL.self, DBPsql.self, DBMigrate.self, DBStandby.self]
    )
}
