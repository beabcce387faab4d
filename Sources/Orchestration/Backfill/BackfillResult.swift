import Ingest
import Warehouse

/// How a backfill job ended.
public struct BackfillResult: Sendable {
    /// Its row in `citypipe.runs`.
    public let runID: Int64
    /// Its row in `citypipe.backfills`.
    public let backfillID: Int64
    /// The feed.
    public let feed: String
    /// succeeded (every window loaded), failed (none, or the job could not load at all) or partial.
    public let outcome: RunLedger.Outcome
    /// One per window loaded or tried, in window order.
    public let windows: [BackfillRunner.WindowOutcome]
    /// Why no window could be loaded at all (no connection for the workers), if so.
    public let error: String?
    /// From the first window to the end.
    public let seconds: Double

    public init(
        runID: Int64, backfillID: Int64, feed: String, outcome: RunLedger.Outcome, windows: [BackfillRunner.WindowOutcome],
        error: String?, seconds: Double
    ) {
        self.runID = runID
        self.backfillID = backfillID
        self.feed = feed
        self.outcome = outcome
        self.windows = windows
        self.error = error
        self.seconds = seconds
    }

    /// The windows that failed (each with its reason).
    public var failed: [BackfillRunner.WindowOutcome] { windows.filter { $0.error != nil } }

    /// Rows staged over every window.
    public var staged: Int { windows.compactMap(\.report).reduce(0) { $0 + $1.rowsStaged } }
}
