import ArgumentParser

/// The `citypipe` command line: the operator's and the developer's entry point.
@main
struct CityPipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "citypipe",
        abstract: "The data-integration pipeline of a provincial smart-city data centre.",
        discussion: """
            Database: --database-url, else DATABASE_URL, else libpq's PG* variables or service file, \
            else the embedded cluster under $CITYPIPE_HOME/pg (default ./.citypipe), started on demand.
            """,
        version: "0.1.0",
        subcommands: [RunCommand.self, IngestCommand.self, BackfillCommand.self, ArchiveCommand.self, TransformCommand.self, StatusCommand.self, CheckCommand.self, SimulateCommand.self, DBCommand.self, NormalizeCommand.self, ServeCommand.self, TokenCommand.self, AuditCommand.self]
    )
}
