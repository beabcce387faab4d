import Foundation
import Postgres
import Warehouse

/// A started transform (`citypipe transform`): connected, the schema migrated, its row in `citypipe.runs`
/// written. `execute()` normalises and builds, records the end and closes the connection; a job dropped without
/// `execute()` is recorded as aborted.
public final class TransformJob: @unchecked Sendable {
    /// Its row in `citypipe.runs`.
    public let runID: Int64

    private let stage: TransformStage
    private let conninfo: String
    private let log: EventLog
    private let connection: PostgresConnection
    private let state = NSLock()
    private var execution: Task<TransformResult, Never>?

    private init(runID: Int64, stage: TransformStage, conninfo: String, log: EventLog, connection: PostgresConnection) {
        self.runID = runID
        self.stage = stage
        self.conninfo = conninfo
        self.log = log
        self.connection = connection
    }

    deinit {
        if execution == nil {
            try? RunLedger.finish(connection, runID: runID, outcome: .aborted, error: "aborted: the transform was started but never executed")
            connection.close()
        }
    }

    /// Connects, migrates the schema and records the transform. Blocking (libpq).
    ///
    /// - Throws: `OrchestrationError.failed` when the database cannot be reached, migrated or written.
    public static func start(_ stage: TransformStage, conninfo: String, log: EventLog) throws(OrchestrationError) -> TransformJob {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(conninfo)
        } catch {
            throw .failed(String(describing: error))
        }
        do {
            try Warehouse.migrateSchema(connection)
            // A transform killed earlier left its run (and the model builds it had begun) marked running.
            try RunLedger.abortDead(connection, kinds: [.transform])
            let runID = try RunLedger.start(connection, pipeline: "transform", kind: .transform, holdingAliveLock: true)
            return TransformJob(runID: runID, stage: stage, conninfo: conninfo, log: log, connection: connection)
        } catch {
            connection.close()
            throw .failed(because: error)
        }
    }

    /// Normalises and builds (on Dispatch workers), records the end, closes the connection. Called again,
    /// returns the first call's result.
    public func execute() async -> TransformResult {
        let task: Task<TransformResult, Never> = state.withLock {
            if let execution { return execution }
            let created = Task { await Blocking.run { self.perform() } }
            execution = created
            return created
        }
        return await task.value
    }

    private func perform() -> TransformResult {
        defer { connection.close() }
        let results = stage.run(runID: runID, conninfo: conninfo, step: "transform", log: log)
        let failed = results.filter { !$0.succeeded }
        let outcome: RunLedger.Outcome = failed.isEmpty ? .succeeded : (failed.count == results.count ? .failed : .partial)
        try? RunLedger.finish(
            connection, runID: runID, outcome: outcome,
            error: failed.isEmpty ? nil : "failed or skipped: \(failed.map(\.feed).joined(separator: ", "))")
        return TransformResult(runID: runID, outcome: outcome, results: results)
    }
}
