import Warehouse

/// How an ingest of named feeds (`citypipe ingest`) ended.
public struct IngestResult: Sendable {
    /// Its row in `citypipe.runs`.
    public let runID: Int64
    /// succeeded, failed (every feed failed) or partial.
    public let outcome: RunLedger.Outcome
    /// One per feed, in the order loaded.
    public let results: [FeedLoadResult]

    public init(runID: Int64, outcome: RunLedger.Outcome, results: [FeedLoadResult]) {
        self.runID = runID
        self.outcome = outcome
        self.results = results
    }

    /// The names of the feeds that failed.
    public var failed: [String] { results.filter { !$0.succeeded }.map(\.feed) }
}
