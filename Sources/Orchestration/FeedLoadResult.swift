import Foundation
import Ingest

/// How one feed (or normalised table, or model) of a run ended.
public struct FeedLoadResult: Sendable {
    /// The feed, `core.clean_FEED` table or model.
    public let feed: String
    /// The pipeline step it ran in.
    public let step: String
    /// The staging load's counts, for a feed that loaded.
    public let report: StagingLoad.Report?
    /// Why it failed (names the feed, the record number and the field; never a value).
    public let error: String?
    /// How long it took.
    public let seconds: Double

    public init(feed: String, step: String, report: StagingLoad.Report?, error: String?, seconds: Double) {
        self.feed = feed
        self.step = step
        self.report = report
        self.error = error
        self.seconds = seconds
    }

    /// True when it ended without an error.
    public var succeeded: Bool { error == nil }
}
