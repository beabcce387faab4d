import Foundation
import Ingest
import Manifest

/// What `citypipe backfill --dry-run` prints: every window of the range, its recorded status, whether this
/// invocation would load it, and its first request.
struct BackfillDryRun {
    let manifest: ConnectorManifest
    let plan: BackfillPlan
    let existing: BackfillLedger.Backfill?
    let selected: [LoadWindow]

    var text: String {
        // Show the requests with the environment's values where set, the ${VARIABLE} otherwise (never a secret:
        // credentials travel in headers, not in these URLs).
        let shown = (try? Placeholders.resolve(manifest, file: manifest.name, environment: ProcessInfo.processInfo.environment)) ?? manifest
        let status = Dictionary(existing?.partitions.map { ($0.from, $0) } ?? [], uniquingKeysWith: { a, _ in a })
        let wanted = Set(selected.map(\.from))
        var rows = [["window from", "window to", "recorded", "attempts", "this run", "first request"]]
        for window in plan.windows {
            let recorded = status[window.from]
            rows.append([
                window.lowerBound, window.upperBound, recorded?.status ?? "new", recorded.map { String($0.attempts) } ?? "0",
                wanted.contains(window.from) ? "load" : "skip", BackfillPlan.firstURL(of: window, manifest: shown),
            ])
        }
        let head = "backfill of \(plan.feed) from \(plan.first) to \(plan.last) by \(plan.step.rawValue): "
            + "\(plan.windows.count) windows, \(selected.count) to load"
            + (existing.map { " (backfill #\($0.id), \($0.unfinished.count) unfinished)" } ?? " (new)")
            + "; dry run: nothing changed"
        return head + "\n" + TextTable(rows: rows, rightAligned: [3]).text
    }
}
