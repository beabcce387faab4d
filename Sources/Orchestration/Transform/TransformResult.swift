import Warehouse

/// How a transform (`citypipe transform`) ended.
public struct TransformResult: Sendable {
    /// Its row in `citypipe.runs`.
    public let runID: Int64
    /// succeeded, failed (everything failed) or partial.
    public let outcome: RunLedger.Outcome
    /// One per normalised table and per model.
    public let results: [FeedLoadResult]

    public init(runID: Int64, outcome: RunLedger.Outcome, results: [FeedLoadResult]) {
        self.runID = runID
        self.outcome = outcome
        self.results = results
    }

    /// The tables and models that failed or were skipped.
    public var failed: [FeedLoadResult] { results.filter { !$0.succeeded } }
}
