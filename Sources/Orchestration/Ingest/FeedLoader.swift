import Foundation
import Ingest
import Manifest
import Postgres

/// Loads one feed into staging for an ingest job and a pipeline run, telling the event log as it goes; a
/// failure is returned, not thrown, so that one feed never stops the others.
struct FeedLoader: Sendable {
    let connectors: String
    /// Where to open a connection for each feed (each feed loads on its own).
    let conninfo: String
    let log: EventLog
    let board: FeedProgressBoard

    func load(_ manifest: ConnectorManifest, runID: Int64, step: String) async -> FeedLoadResult {
        let feed = manifest.name
        let started = Date()
        log.event("feed.started", [("feed", feed), ("run_id", runID), ("step", step)], human: "\(feed): starting")
        do {
            let resolved = try Placeholders.resolve(
                manifest, file: "\(connectors)/\(feed).yaml", environment: ProcessInfo.processInfo.environment)
            let connection = try PostgresConnection.connect(conninfo)
            defer { connection.close() }
            let board = self.board
            let report = try await ConnectorRunner(manifest: resolved).run(
                connection: connection, runID: runID, progress: { records, _ in board.update(feed, records: records) })
            board.finished(feed)
            let seconds = Date().timeIntervalSince(started)
            log.event(
                "feed.succeeded",
                [("feed", feed), ("run_id", runID), ("step", step), ("rows_in", report.rowsIn), ("staged", report.rowsStaged),
                 ("unchanged", report.rowsUnchanged), ("deleted", report.rowsDeleted), ("rejected", report.rowsRejected),
                 ("not_modified", report.documentsNotModified), ("not_sent", report.rowsNotSent), ("seconds", (seconds * 1000).rounded() / 1000)],
                human: "\(feed): \(report.rowsIn) records in \(String(format: "%.1f", seconds)) s — \(report.rowsStaged) staged, \(report.rowsUnchanged) unchanged, \(report.rowsDeleted) deleted, \(report.rowsRejected) rejected"
                    + (report.documentsNotModified > 0 ? ", \(report.documentsNotModified) documents not modified" : ""))
            return FeedLoadResult(feed: feed, step: step, report: report, error: nil, seconds: seconds)
        } catch {
            board.finished(feed)
            let reason = String(describing: error)
            log.event(
                "feed.failed", level: "error", [("feed", feed), ("run_id", runID), ("step", step), ("error", reason)],
                human: "\(feed): FAILED: \(reason)")
            return FeedLoadResult(feed: feed, step: step, report: nil, error: reason, seconds: Date().timeIntervalSince(started))
        }
    }
}
