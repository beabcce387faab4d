import Foundation
import Warehouse

/// How a pipeline run ended: its outcome as recorded in `citypipe.runs`, and one result per feed and model.
public struct PipelineRunResult: Sendable {
    /// The run's row in `citypipe.runs`.
    public let runID: Int64
    /// The pipeline's name.
    public let pipeline: String
    /// succeeded (nothing failed), failed (everything failed) or partial.
    public let outcome: RunLedger.Outcome
    /// From the start of the steps to their end.
    public let seconds: Double
    /// One per feed, normalised table and model, in the order of the steps.
    public let results: [FeedLoadResult]
    /// Steps not run because an earlier one failed and says `on_failure: stop`.
    public let skipped: [String]
    /// Why the run's end could not be recorded in `citypipe.runs` (the run itself is done), if it could not.
    public let recordError: String?

    public init(
        runID: Int64, pipeline: String, outcome: RunLedger.Outcome, seconds: Double, results: [FeedLoadResult],
        skipped: [String], recordError: String? = nil
    ) {
        self.runID = runID
        self.pipeline = pipeline
        self.outcome = outcome
        self.seconds = seconds
        self.results = results
        self.skipped = skipped
        self.recordError = recordError
    }

    /// The feeds and models that failed (or were skipped by the transform).
    public var failed: [FeedLoadResult] { results.filter { !$0.succeeded } }

    /// The table `citypipe run` prints at the end on a terminal or with `--summary`.
    public var summary: String {
        var rows = [["feed", "step", "status", "rows in", "staged", "unchanged", "deleted", "rejected", "seconds"]]
        for result in results {
            let report = result.report
            rows.append([
                result.feed, result.step, result.succeeded ? "ok" : "FAILED",
                report.map { String($0.rowsIn) } ?? "-", report.map { String($0.rowsStaged) } ?? "-",
                report.map { String($0.rowsUnchanged) } ?? "-", report.map { String($0.rowsDeleted) } ?? "-",
                report.map { String($0.rowsRejected) } ?? "-", String(format: "%.1f", result.seconds),
            ])
        }
        let header = "run #\(runID) of \(pipeline): \(outcome.rawValue) in \(String(format: "%.1f", seconds)) s"
        return header + "\n" + TextTable(rows: rows, rightAligned: Set(3...8)).text
    }
}
