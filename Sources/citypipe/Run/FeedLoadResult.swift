import Foundation
import Ingest

/// How one feed of a run ended.
struct FeedLoadResult: Sendable {
    let feed: String
    let step: String
    let report: StagingLoad.Report?
    /// Why it failed (names the feed, the record number and the field; never a value).
    let error: String?
    let seconds: Double

    var succeeded: Bool { error == nil }
}
