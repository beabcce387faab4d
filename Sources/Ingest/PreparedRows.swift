/// A page's staged records already typed, hashed and in COPY text form, waiting only to be routed (in feed order)
/// by `StagingBatchEncoder.encode(_:)`: each row holds its typed values, `_extra` and `_hash`, tab-separated,
/// without the last column (`_run_id` or `_position`, which depends on the route) and without the line end.
public struct PreparedRows: Sendable {
    /// The rows' bytes, back to back.
    var bytes: [UInt8] = []
    /// End offset in `bytes` of each row.
    var ends: [Int] = []
    /// Each row's 1-based feed position.
    var positions: [Int] = []
    /// Each row's key hash (`RowHash.key` of its primary-key values), for the first load's key filter.
    var keys: [(UInt64, UInt64)] = []
    /// Each row's `_hash` lanes (`RowHash.lanes`), for a snapshot load's known rows.
    var hashes: [(UInt64, UInt64)] = []
    /// The page's rejected records.
    var rejects: [RejectedRecord] = []
    /// The latest cursor value among the staged rows.
    var latest: String? = nil

    /// Staged rows.
    var count: Int { ends.count }
}
