import Foundation
import Warehouse

/// The table `citypipe run` prints at the end on a terminal or with `--summary`.
struct RunSummary {
    let runID: Int64
    let pipeline: String
    let outcome: RunLedger.Outcome
    let seconds: Double
    let results: [FeedLoadResult]

    var text: String {
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
