import Foundation
import Ingest
import Manifest
import Postgres
import Warehouse

/// A started ingest of named feeds into staging (`citypipe ingest`, no transform): connected, the schema
/// migrated, its row in `citypipe.runs` written. `execute()` loads the feeds one after the other (each one
/// transaction), records the end and closes the connection; a job dropped without `execute()` is recorded as
/// aborted.
public final class IngestJob: @unchecked Sendable {
    /// Its row in `citypipe.runs`.
    public let runID: Int64

    private let manifests: [ConnectorManifest]
    private let connectors: String
    private let conninfo: String
    private let log: EventLog
    private let connection: PostgresConnection
    private let state = NSLock()
    private var execution: Task<IngestResult, Never>?

    private init(
        runID: Int64, manifests: [ConnectorManifest], connectors: String, conninfo: String, log: EventLog, connection: PostgresConnection
    ) {
        self.runID = runID
        self.manifests = manifests
        self.connectors = connectors
        self.conninfo = conninfo
        self.log = log
        self.connection = connection
    }

    deinit {
        if execution == nil {
            try? RunLedger.finish(connection, runID: runID, outcome: .aborted, error: "aborted: the ingest was started but never executed")
            connection.close()
        }
    }

    /// The valid manifests of `feeds` in `connectors` (every manifest when `feeds` is empty).
    ///
    /// - Throws: `OrchestrationError.invalid` naming an unknown feed (and the feeds there are) or every problem
    ///   of an invalid manifest.
    public static func manifests(feeds: [String], connectors: String) throws(OrchestrationError) -> [ConnectorManifest] {
        do {
            return try ManifestCatalog(directory: connectors).manifests(named: feeds)
        } catch {
            throw .invalid(because: error)
        }
    }

    /// Reads the manifests of `feeds` (all when empty), connects, migrates the schema and records the ingest.
    /// Blocking (libpq).
    public static func start(feeds: [String], connectors: String = "Connectors", conninfo: String, log: EventLog) throws(OrchestrationError) -> IngestJob {
        try start(feeds: feeds, manifests: manifests(feeds: feeds, connectors: connectors), connectors: connectors, conninfo: conninfo, log: log)
    }

    /// Starts an ingest of manifests already read (see `manifests(feeds:connectors:)`); `feeds` is what was
    /// asked for, as recorded in the run's arguments.
    ///
    /// - Throws: `OrchestrationError.failed` when the database cannot be reached, migrated or written.
    public static func start(
        feeds: [String], manifests: [ConnectorManifest], connectors: String, conninfo: String, log: EventLog
    ) throws(OrchestrationError) -> IngestJob {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(conninfo)
        } catch {
            throw .failed(String(describing: error))
        }
        do {
            // The schema must be there; the reference data (5 MB to checksum) is `db migrate`'s business.
            try Warehouse.migrateSchema(connection)
            let runID = try RunLedger.start(connection, pipeline: "ingest", kind: .ingest, arguments: JSONB(ManifestCatalog.jsonArray(feeds)))
            return IngestJob(runID: runID, manifests: manifests, connectors: connectors, conninfo: conninfo, log: log, connection: connection)
        } catch {
            connection.close()
            throw .failed(because: error)
        }
    }

    /// Loads the feeds one after the other (a failure does not stop the next), records the end, closes the
    /// connection. Called again, returns the first call's result.
    public func execute() async -> IngestResult {
        let task: Task<IngestResult, Never> = state.withLock {
            if let execution { return execution }
            let created = Task { await self.perform() }
            execution = created
            return created
        }
        return await task.value
    }

    private func perform() async -> IngestResult {
        let loader = FeedLoader(connectors: connectors, conninfo: conninfo, log: log, board: FeedProgressBoard(log: log))
        var results: [FeedLoadResult] = []
        for manifest in manifests {
            results.append(await loader.load(manifest, runID: runID, step: "ingest"))
        }
        let failed = results.filter { !$0.succeeded }.map(\.feed)
        let outcome: RunLedger.Outcome = failed.isEmpty ? .succeeded : (failed.count == manifests.count ? .failed : .partial)
        let connection = connection
        let runID = runID
        await Blocking.run {
            defer { connection.close() }
            try? RunLedger.finish(connection, runID: runID, outcome: outcome, error: failed.isEmpty ? nil : "failed feeds: \(failed.joined(separator: ", "))")
        }
        return IngestResult(runID: runID, outcome: outcome, results: results)
    }
}
