import ArgumentParser
import Orchestration

/// `citypipe ingest FEED…`: loads feeds into staging (no transform), one after the other.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load feeds into their staging tables (staging only).",
        discussion: """
            Each feed is one transaction: its staged rows, its cursor and its feed_runs row commit together, so an \
            interrupted load leaves staging as it was. Exit status: 0 when every feed loaded, 2 when some failed \
            (named in the output), 1 when nothing could run (no database, an invalid manifest).
            """)

    @Argument(help: "Feeds to load (names of Connectors/NAME.yaml); none loads every manifest.")
    var feeds: [String] = []

    @Option(name: .long, help: "Directory of connector manifests.")
    var connectors: String = "Connectors"

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let log = EventLog()
        let job: IngestJob
        do {
            // The manifests are checked before any database is touched.
            let manifests = try IngestJob.manifests(feeds: feeds, connectors: connectors)
            job = try IngestJob.start(
                feeds: feeds, manifests: manifests, connectors: connectors, conninfo: try database.target.conninfo(start: true), log: log)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
        let result = await job.execute()
        if !result.failed.isEmpty {
            Console.error("failed feeds: \(result.failed.joined(separator: ", "))")
            throw ExitCode(2)
        }
    }
}
