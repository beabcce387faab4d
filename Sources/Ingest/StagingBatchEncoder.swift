import Foundation
import Postgres

/// A batch of typed records and rejects in COPY text form, ready for `StagingLoad.append(_:)`: encoding is client
/// work, done by `StagingBatchEncoder` on any thread while the connection's thread sends the previous batch.
public struct EncodedBatch: Sendable {
    /// Rows for the staging table itself (a first load's certainly-new keys).
    var direct: [UInt8] = []
    /// Rows for the load's temporary table (MERGEd at commit).
    var merged: [UInt8] = []
    /// Rows for the load's rejects table.
    var rejects: [UInt8] = []
    /// Records in the batch, staged and rejected.
    public internal(set) var records = 0
    /// Rejected records in the batch.
    public internal(set) var rejected = 0
}

/// Encodes batches for one `StagingLoad` (`StagingLoad.takeEncoder()`): checks each record's shape, computes its
/// `_hash`, routes it (a first load sends the records whose key is certainly new straight to staging, the others
/// to the MERGE, with `KeyFilter`), and writes the COPY text. Batches must be encoded in feed order.
public struct StagingBatchEncoder: Sendable {
    let schema: StagingSchema
    let runID: Int64
    /// True when records with certainly-new keys may go straight to staging.
    let firstLoad: Bool
    private var keyFilter: KeyFilter
    private let keyColumns: [Int]

    init(schema: StagingSchema, runID: Int64, firstLoad: Bool) {
        self.schema = schema
        self.runID = runID
        self.firstLoad = firstLoad
        self.keyFilter = KeyFilter(log2Bits: firstLoad ? 26 : 9)
        self.keyColumns = schema.recordKey.compactMap { key in schema.columns.firstIndex { $0.name == key } }
    }

    /// Encodes typed records and rejects.
    public mutating func encode(_ records: [StagedRecord], rejects: [RejectedRecord] = []) throws(StagingError) -> EncodedBatch {
        let width = schema.columns.count
        for record in records where record.values.count != width {
            throw .recordShape(feed: schema.feed, position: record.position, expected: width, found: record.values.count)
        }
        var batch = EncodedBatch()
        batch.records = records.count + rejects.count
        batch.rejected = rejects.count
        let direct = CopyInWriter.inMemory(columnNames: schema.columns.map(\.name), capacity: firstLoad ? records.count * 192 : 0)
        let merged = CopyInWriter.inMemory(columnNames: schema.columns.map(\.name), capacity: firstLoad ? 0 : records.count * 192)
        do {
            for record in records {
                let hash = RowHash.of(record.values, extra: record.extra)
                if firstLoad && !keyFilter.insert(RowHash.key(keyColumns.map { record.values[$0] })) {
                    for value in record.values { try direct.append(value) }
                    try direct.append(record.extra)
                    try direct.append(hash)
                    try direct.append(Int(runID))
                    try direct.endRow()
                } else {
                    for value in record.values { try merged.append(value) }
                    try merged.append(record.extra)
                    try merged.append(hash)
                    try merged.append(record.position)
                    try merged.endRow()
                }
            }
            batch.direct = direct.encoded()
            batch.merged = merged.encoded()
            batch.rejects = try encodeRejects(rejects)
        } catch {
            throw .database(feed: schema.feed, error)
        }
        return batch
    }

    /// Routes rows a `PageRowWriter` prepared (the same bytes `encode(_:rejects:)` gives for the same records).
    mutating func encode(_ rows: PreparedRows) throws(StagingError) -> EncodedBatch {
        var batch = EncodedBatch()
        batch.records = rows.count + rows.rejects.count
        batch.rejected = rows.rejects.count
        if firstLoad { batch.direct.reserveCapacity(rows.bytes.count + rows.count * 8) } else {
            batch.merged.reserveCapacity(rows.bytes.count + rows.count * 8)
        }
        let runID = Int(self.runID)
        rows.bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            for row in 0..<rows.count {
                let end = rows.ends[row]
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if firstLoad && !keyFilter.insert(rows.keys[row]) {
                    batch.direct.append(contentsOf: slice)
                    batch.direct.append(9)
                    CopyText.appendInteger(runID, to: &batch.direct)
                    batch.direct.append(10)
                } else {
                    batch.merged.append(contentsOf: slice)
                    batch.merged.append(9)
                    CopyText.appendInteger(rows.positions[row], to: &batch.merged)
                    batch.merged.append(10)
                }
                start = end
            }
        }
        do {
            batch.rejects = try encodeRejects(rows.rejects)
        } catch {
            throw .database(feed: schema.feed, error)
        }
        return batch
    }

    /// The rejects' rows for the load's rejects table.
    private func encodeRejects(_ rejects: [RejectedRecord]) throws(PostgresError) -> [UInt8] {
        guard !rejects.isEmpty else { return [] }
        let writer = CopyInWriter.inMemory()
        for reject in rejects {
            try writer.append(reject.position)
            try writer.append(reject.keyHash)
            try writer.append(reject.field)
            try writer.append(reject.reason)
            // A NUL byte cannot be stored in text: keep the rest of the raw record.
            try writer.append(reject.raw?.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}"))
            for index in schema.primaryKey.indices {
                let key = reject.key ?? []
                try writer.append(index < key.count ? key[index] : nil)
            }
            try writer.endRow()
        }
        return writer.encoded()
    }
}
