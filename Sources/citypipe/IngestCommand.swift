import ArgumentParser
import Foundation
import Ingest
import Manifest
import Postgres
import Warehouse

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
        let manifests: [ConnectorManifest]
        let connection: PostgresConnection
        let conninfo: String
        let runID: Int64
        do {
            manifests = try ManifestCatalog(directory: connectors).manifests(named: feeds)
            conninfo = try database.target.conninfo(start: true)
            connection = try PostgresConnection.connect(conninfo)
            // The schema must be there; the reference data (5 MB to checksum) is `db migrate`'s business.
            try Warehouse.migrateSchema(connection)
            runID = try RunLedger.start(connection, pipeline: "ingest", kind: .ingest, arguments: JSONB(ManifestCatalog.jsonArray(feeds)))
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
        defer { connection.close() }
        let loader = FeedLoader(connectors: connectors, conninfo: conninfo, log: log, board: FeedProgressBoard(log: log))
        var failed: [String] = []
        for manifest in manifests {
            let result = await loader.load(manifest, runID: runID, step: "ingest")
            if !result.succeeded { failed.append(manifest.name) }
        }
        let outcome: RunLedger.Outcome = failed.isEmpty ? .succeeded : (failed.count == manifests.count ? .failed : .partial)
        try? RunLedger.finish(connection, runID: runID, outcome: outcome, error: failed.isEmpty ? nil : "failed feeds: \(failed.joined(separator: ", "))")
        if !failed.isEmpty {
            Console.error("failed feeds: \(failed.joined(separator: ", "))")
            throw ExitCode(2)
        }
    }
}
