/// A page's staged records already typed, hashed and in COPY form, waiting only to be routed (in feed order) by
/// `StagingBatchEncoder.encode(_:)`: each row holds its typed values, `_extra` and `_hash` without the last column
/// (`_run_id` or `_position`, which depends on the route): in text form tab-separated and without the line end; in
/// binary form (`StagingSchema.copyBinary`) after the row's field count, which counts that last column.
public struct PreparedRows: Sendable {
    /// Whether `bytes` are binary COPY rows.
    var binary = false
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
    /// Each row's month (`year * 12 + month - 1`) of its partition column, when the table is cut by period.
    var months: [Int?] = []
    /// The page's rejected records.
    var rejects: [RejectedRecord] = []
    /// The latest cursor value among the staged rows.
    var latest: String? = nil

    /// Staged rows.
    var count: Int { ends.count }
}
