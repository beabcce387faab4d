import Foundation
import Normalize
import Manifest

/// Which windows a `citypipe backfill` invocation loads, from the plan, what the ledger says of an earlier
/// backfill of the same range, and the flags.
public enum BackfillSelection {
    /// `--reprocess`: load windows again although they were loaded.
    public enum Reprocess: String, Sendable, CaseIterable {
        /// Windows that failed or were cut off.
        case failed
        /// Every window of the range.
        case all
    }

    /// The windows to load, in order.
    ///
    /// - A range never backfilled: every window.
    /// - `--reprocess all`: every window. `--reprocess failed` or `--resume`: the windows not succeeded.
    /// - Neither, with unfinished windows: an error that says to choose (a plain re-run never redoes or skips
    ///   work silently). Neither, all succeeded: nothing.
    public static func windows(
        plan: BackfillPlan, existing: BackfillLedger.Backfill?, resume: Bool, reprocess: Reprocess?
    ) throws(BackfillError) -> [LoadWindow] {
        guard let existing else { return plan.windows }
        if reprocess == .all { return plan.windows }
        let unfinished = Set(existing.unfinished.map(\.from))
        if resume || reprocess == .failed { return plan.windows.filter { unfinished.contains($0.from) } }
        guard unfinished.isEmpty else {
            throw .unfinished(feed: plan.feed, backfillID: existing.id, remaining: unfinished.count)
        }
        return []
    }
}

extension BackfillPlan {
    /// The plan of a recorded backfill (for `--resume` without a range).
    public init(manifest: ConnectorManifest, recorded: BackfillLedger.Backfill) throws(BackfillError) {
        let first = BackfillPlan.localDay(recorded.from)
        let last = CivilDate(daysSince1970: BackfillPlan.localDay(recorded.to).daysSince1970 - 1)
        try self.init(
            manifest: manifest, from: first.description, to: last.description, step: Step(rawValue: recorded.step))
    }

    /// The Asia/Ho_Chi_Minh day of an instant.
    static func localDay(_ date: Date) -> CivilDate {
        let seconds = date.timeIntervalSince1970 + 7 * 3_600
        return CivilDate(daysSince1970: Int((seconds / 86_400).rounded(.down)))
    }
}
