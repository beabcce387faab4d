import ArgumentParser
import Foundation
import Ingest
import Manifest
import Postgres
import Warehouse

/// `citypipe ingest FEED…`: loads feeds into staging (no transform).
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
        let runID: Int64
        do {
            manifests = try ManifestCatalog(directory: connectors).manifests(named: feeds)
            connection = try database.connect()
            // The schema must be there; the reference data (5 MB to checksum) is `db migrate`'s business.
            try Warehouse.migrateSchema(connection)
            runID = try RunLedger.start(connection, pipeline: "ingest", kind: .ingest, arguments: JSONB(ManifestCatalog.jsonArray(feeds)))
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
        defer { connection.close() }
        var failed: [String] = []
        for manifest in manifests {
            let started = Date()
            log.event("feed.started", [("feed", manifest.name), ("run_id", runID)], human: "\(manifest.name): starting")
            do {
                let resolved = try Placeholders.resolve(manifest, file: "\(connectors)/\(manifest.name).yaml", environment: ProcessInfo.processInfo.environment)
                let feed = manifest.name
                let report = try await ConnectorRunner(manifest: resolved).run(connection: connection, runID: runID) { records, bytes in
                    let seconds = max(0.001, Date().timeIntervalSince(started))
                    log.progress("\(feed): \(records) records, \(bytes / 1024) KiB, \(Int(Double(records) / seconds)) records/s")
                }
                let seconds = Date().timeIntervalSince(started)
                log.event(
                    "feed.succeeded",
                    [("feed", manifest.name), ("run_id", runID), ("rows_in", report.rowsIn), ("staged", report.rowsStaged),
                     ("unchanged", report.rowsUnchanged), ("deleted", report.rowsDeleted), ("rejected", report.rowsRejected),
                     ("seconds", (seconds * 1000).rounded() / 1000)],
                    human: "\(manifest.name): \(report.rowsIn) records in \(String(format: "%.1f", seconds)) s — \(report.rowsStaged) staged, \(report.rowsUnchanged) unchanged, \(report.rowsDeleted) deleted, \(report.rowsRejected) rejected")
            } catch {
                failed.append(manifest.name)
                log.event(
                    "feed.failed", level: "error", [("feed", manifest.name), ("run_id", runID), ("error", String(describing: error))],
                    human: "\(manifest.name): FAILED: \(error)")
            }
        }
        let outcome: RunLedger.Outcome = failed.isEmpty ? .succeeded : (failed.count == manifests.count ? .failed : .partial)
        try? RunLedger.finish(connection, runID: runID, outcome: outcome, error: failed.isEmpty ? nil : "failed feeds: \(failed.joined(separator: ", "))")
        if !failed.isEmpty {
            Console.error("failed feeds: \(failed.joined(separator: ", "))")
            throw ExitCode(2)
        }
    }
}
