import Foundation
import Postgres

/// A batch of typed records and rejects in COPY form, ready for `StagingLoad.append(_:)`: encoding is client work,
/// done by `StagingBatchEncoder` on any thread while the connection's thread sends the previous batch. Rows for
/// staging and for the MERGE are in binary form when the schema allows it (`StagingSchema.copyBinary`, without the
/// stream's header and trailer, which the load sends), in text form otherwise; rejects are always text.
public struct EncodedBatch: Sendable {
    /// Rows for the staging table itself (a first load's certainly-new keys, or those of a month whose partition
    /// was empty).
    var direct: [UInt8] = []
    /// How many rows `direct` holds.
    var directRows = 0
    /// The months (`year * 12 + month - 1`) of an incremental load's rows in `direct` (`StagingApartMonth`).
    var months: Set<Int> = []
    /// Rows for the load's temporary table (MERGEd at commit).
    var merged: [UInt8] = []
    /// Rows for the load's rejects table.
    var rejects: [UInt8] = []
    /// Records not sent: unchanged since staged (`KnownRows`).
    var skipped = 0
    /// Records in the batch, staged and rejected.
    public internal(set) var records = 0
    /// Rejected records in the batch.
    public internal(set) var rejected = 0
}

/// Encodes batches for one `StagingLoad` (`StagingLoad.takeEncoder()`): checks each record's shape, computes its
/// `_hash`, routes it (a first load sends the records whose key is certainly new straight to staging, the others
/// to the MERGE, with `KeyFilter`; so does an incremental load for the months whose partition was empty), and
/// writes the COPY rows (binary when `StagingSchema.copyBinary` allows). Batches must be encoded in feed order.
public struct StagingBatchEncoder: Sendable {
    let schema: StagingSchema
    let runID: Int64
    /// True when records with certainly-new keys may go straight to staging.
    let firstLoad: Bool
    /// The months (`year * 12 + month - 1`) whose partition was empty when the load began (an incremental load of
    /// a table partitioned by month on a date column): their records with certainly-new keys go straight in too.
    let emptyMonths: Set<Int>
    private var keyFilter: KeyFilter
    private let keyColumns: [Int]
    /// The partition column's place, when `emptyMonths` has any.
    private let periodColumn: Int?
    /// A snapshot load's staged rows: an unchanged record is not sent.
    let known: KnownRows?
    /// The columns' binary encodings when rows are sent in binary form.
    let binary: [CopyBinary.Column]?

    init(schema: StagingSchema, runID: Int64, firstLoad: Bool, emptyMonths: Set<Int> = [], known: KnownRows? = nil) {
        self.schema = schema
        self.known = firstLoad ? nil : known
        self.runID = runID
        self.firstLoad = firstLoad
        self.emptyMonths = firstLoad ? [] : emptyMonths
        self.keyFilter = KeyFilter(log2Bits: firstLoad || !emptyMonths.isEmpty ? 26 : 9)
        self.keyColumns = schema.recordKey.compactMap { key in schema.columns.firstIndex { $0.name == key } }
        self.periodColumn = emptyMonths.isEmpty ? nil : schema.partitioning.flatMap { p in schema.columns.firstIndex { $0.name == p.column } }
        self.binary = schema.copyBinary
    }

    /// `yyyy-MM…` → `year * 12 + month - 1`; nil for anything else.
    static func month<C: Collection<UInt8>>(_ text: C) -> Int? {
        var digits: [Int] = []
        for (index, byte) in text.prefix(7).enumerated() {
            if index == 4 {
                guard byte == 0x2D else { return nil }
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            digits.append(Int(byte - 0x30))
        }
        guard digits.count == 6 else { return nil }
        let month = digits[4] * 10 + digits[5]
        guard (1...12).contains(month) else { return nil }
        return (digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]) * 12 + month - 1
    }

    /// Whether a record whose partition column falls in `month` may go straight to staging (its key still to be
    /// checked), and its month when that is because its month's partition was empty.
    private func mayGoDirect(month: Int?) -> (direct: Bool, month: Int?) {
        if firstLoad { return (true, nil) }
        guard periodColumn != nil, let month else { return (false, nil) }
        return emptyMonths.contains(month) ? (true, month) : (false, nil)
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
        let direct = CopyInWriter.inMemory(columnNames: schema.columns.map(\.name), capacity: firstLoad && binary == nil ? records.count * 192 : 0)
        let merged = CopyInWriter.inMemory(columnNames: schema.columns.map(\.name), capacity: firstLoad || binary != nil ? 0 : records.count * 192)
        var lastMonth = -1
        do {
            for record in records {
                let lanes = RowHash.lanes(record.values, extra: record.extra)
                let mayDirect = mayGoDirect(month: periodColumn.flatMap { record.values[$0] }.flatMap { Self.month($0.utf8) })
                // The key's hash, when the known rows or the key filter read it.
                let key = known != nil || mayDirect.direct ? RowHash.key(keyColumns.map { record.values[$0] }) : (0, 0)
                if let known, known.skip(key: key, hash: lanes) {
                    batch.skipped += 1
                    continue
                }
                let hash = RowHash.text(lanes)
                let straight = mayDirect.direct && !keyFilter.insert(key)
                if straight {
                    batch.directRows += 1
                    if let month = mayDirect.month, month != lastMonth {
                        batch.months.insert(month)
                        lastMonth = month
                    }
                }
                if let binary {
                    let last = straight ? Int64(runID) : Int64(record.position)
                    if straight {
                        try appendBinary(record, hash: hash, last: last, binary, to: &batch.direct)
                    } else {
                        try appendBinary(record, hash: hash, last: last, binary, to: &batch.merged)
                    }
                } else if straight {
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
            if binary == nil {
                batch.direct = direct.encoded()
                batch.merged = merged.encoded()
            }
            batch.rejects = try encodeRejects(rejects)
        } catch {
            throw .database(feed: schema.feed, error)
        }
        return batch
    }

    /// Appends a typed record as a binary COPY row: its values, `_extra`, `_hash` and `last` (`_run_id` or
    /// `_position`).
    private func appendBinary(
        _ record: StagedRecord, hash: String, last: Int64, _ binary: [CopyBinary.Column], to out: inout [UInt8]
    ) throws(PostgresError) {
        let start = out.count
        CopyBinary.beginRow(fields: binary.count + 3, to: &out)
        for index in 0..<binary.count {
            guard let value = record.values[index] else {
                CopyBinary.appendNull(to: &out)
                continue
            }
            if let failure = CopyText.withUTF8(value, { CopyRowFailure.append(UnsafeRawBufferPointer($0), as: binary[index], to: &out) }) {
                out.removeSubrange(start...)
                throw failure.postgresError(position: record.position, field: schema.columns[index].name)
            }
        }
        if let extra = record.extra {
            if let failure = CopyText.withUTF8(extra, { CopyRowFailure.append(UnsafeRawBufferPointer($0), as: .jsonb, to: &out) }) {
                out.removeSubrange(start...)
                throw failure.postgresError(position: record.position, field: "_extra")
            }
        } else {
            CopyBinary.appendNull(to: &out)
        }
        CopyText.withUTF8(hash) { p in _ = CopyBinary.appendText(UnsafeRawBufferPointer(p), to: &out) }
        CopyBinary.appendBigint(last, to: &out)
    }

    /// Routes rows a `PageRowWriter` prepared (the same bytes `encode(_:rejects:)` gives for the same records).
    mutating func encode(_ rows: PreparedRows) throws(StagingError) -> EncodedBatch {
        guard rows.binary == (binary != nil) else {
            throw .database(
                feed: schema.feed,
                PostgresError(
                    .copy, message: "a page's rows were prepared in \(rows.binary ? "binary" : "text") form for a load that sends the other; this is a CityPipe defect",
                    statement: "(in memory)"))
        }
        var batch = EncodedBatch()
        batch.records = rows.count + rows.rejects.count
        batch.rejected = rows.rejects.count
        if firstLoad { batch.direct.reserveCapacity(rows.bytes.count + rows.count * 8) } else {
            batch.merged.reserveCapacity(rows.bytes.count + rows.count * 8)
        }
        let runID = Int(self.runID)
        let binary = self.binary != nil
        var lastMonth = -1
        rows.bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            for row in 0..<rows.count {
                let end = rows.ends[row]
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if let known, known.skip(key: rows.keys[row], hash: rows.hashes[row]) {
                    batch.skipped += 1
                    start = end
                    continue
                }
                let mayDirect = mayGoDirect(month: periodColumn == nil ? nil : rows.months[row])
                if mayDirect.direct && !keyFilter.insert(rows.keys[row]) {
                    batch.directRows += 1
                    if let month = mayDirect.month, month != lastMonth {
                        batch.months.insert(month)
                        lastMonth = month
                    }
                    batch.direct.append(contentsOf: slice)
                    if binary {
                        CopyBinary.appendBigint(Int64(runID), to: &batch.direct)
                    } else {
                        batch.direct.append(9)
                        CopyText.appendInteger(runID, to: &batch.direct)
                        batch.direct.append(10)
                    }
                } else {
                    batch.merged.append(contentsOf: slice)
                    if binary {
                        CopyBinary.appendBigint(Int64(rows.positions[row]), to: &batch.merged)
                    } else {
                        batch.merged.append(9)
                        CopyText.appendInteger(rows.positions[row], to: &batch.merged)
                        batch.merged.append(10)
                    }
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
