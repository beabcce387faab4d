import Foundation
import Postgres

/// One feed load into `staging.FEED`, as one transaction.
///
/// Records arrive in batches (`append`), each COPYed into a temporary table; `commit` MERGEs them into the
/// staging table by primary key, moves the feed's cursor in `citypipe.feed_state` and completes its
/// `citypipe.feed_runs` row, all in the same transaction: until then the previous staged state stays visible,
/// and a crash leaves it as it was. Within a load the last record of a key wins (inclusive cursors and
/// overlapping pages send some twice); a record whose `_hash` is unchanged is not rewritten. A snapshot load
/// (a feed without a cursor) marks staged records that the source no longer sends as deleted (`_deleted_at`).
/// Over `maxRejectRatio`, nothing is merged: the rejects and a failed `feed_runs` row are committed, staging
/// stays as it was, and `commit` throws `StagingError.rejectRatioExceeded`.
///
/// A window load (a backfill's window) replaces exactly that window: staged records whose `column` lies in
/// `[from, to)` and that the window did not send are marked deleted. Window loads of one feed may run side by
/// side (they hold the feed's lock shared), never beside a nightly load of it (which holds it exclusively).
///
/// A first load (the staging table has no row when the load starts) takes a faster way with the same outcome:
/// each batch is COPYed straight into the staging table, still inside the load's transaction, except the records
/// whose key may already have been sent in this load (a fixed-size filter of keys, `KeyFilter`), which go
/// through the temporary table and the MERGE as above, so that no key is inserted twice and the last record of
/// a key wins. When the load created the table, its primary key is added once the rows are in (one sort instead of
/// an index insertion per row). The MERGE of 1.4 M rows cost 8.5 s of server time against 2.9 s for `psql \copy`
/// of the same rows; this way costs 3.3 s (BENCHMARKS.md).
///
/// An incremental load of a table partitioned by month on a date column does the same for the months whose
/// partition was empty when it began (`emptyMonths`: a new month of an export): their records with certainly-new
/// keys are COPYed straight into the partition; a key sent again replaces its first row with its last record at
/// commit, and those months are left out of the MERGE. At scale 1 the new insurance month's 300,000 rows took a
/// temporary table, its index, a distinct count and a MERGE (3.3–7.4 s of server time) before. Those rows go to a
/// table of their own, made in the load's transaction without indexes, which becomes the month's partition at commit
/// (`StagingApartMonth`).
///
/// A staging table partitioned by period (manifest `partition_by`) gets the partitions of the periods a load may
/// bring before the load's transaction begins (`StagingTable.ensurePartitions`), and the rows that landed in its
/// default partition (a period without a partition) get their own at commit (`StagingTable.splitDefault`).
public final class StagingLoad {
    /// Whether the load is the whole source (deletions detectable), a slice of it, or a window that it replaces.
    public enum Mode: Sendable, Equatable {
        /// Changes since a cursor: nothing is deleted.
        case incremental
        /// The whole source: what it no longer sends is marked deleted.
        case snapshot
        /// The records whose `column` is in `[from, to)` (bounds as text in the column's type).
        case window(column: String, from: String, to: String)

        var isWindow: Bool {
            if case .window = self { return true }
            return false
        }
    }

    /// What a committed load did.
    public struct Report: Sendable, Equatable {
        public var feedRunID: Int64
        /// Records received (typed and rejected).
        public var rowsIn: Int
        /// Records inserted or updated in staging.
        public var rowsStaged: Int
        /// Records already staged with the same hash.
        public var rowsUnchanged: Int
        /// Staged records marked deleted (snapshot loads).
        public var rowsDeleted: Int
        public var rowsRejected: Int
        /// Documents the source answered `304 Not Modified` for (conditional requests): their staged rows stand.
        public var documentsNotModified = 0
        /// Of `rowsUnchanged`, records the client knew unchanged and did not send to the server (a snapshot load's
        /// `KnownRows`).
        public var rowsNotSent = 0
    }

    public let schema: StagingSchema
    public let runID: Int64
    public let mode: Mode
    public let maxRejectRatio: Double
    /// The reject ratio is computed over at least this many records, so that one bad record in a load of
    /// twenty (a quiet night, a one-day backfill window) does not fail it.
    public let rejectRatioFloor: Int
    public let feedRunID: Int64

    private let connection: PostgresConnection
    private let presentColumns: [String]
    /// True when the staging table had no row at the start (and has every column): batches go straight into it.
    private let firstLoad: Bool
    /// True when this load created the table without its primary key (added at commit, before the MERGE).
    private let keyLater: Bool
    /// Encodes appended batches (and holds the first load's key filter) until `takeEncoder()` hands it out.
    private var encoder: StagingBatchEncoder
    /// A snapshot load's staged rows (`KnownRows`), nil when it sends every record to the MERGE.
    private let known: KnownRows?
    private var received = 0
    private var rejected = 0
    /// Rows COPYed straight into staging (a first load's, or an incremental load's of empty months).
    private var direct = 0
    /// An incremental load: the months (first days, `yyyy-MM-dd`) whose partition was empty when it began.
    private var directMonths: [String] = []
    /// Where an incremental load's rows of those months go until its commit (nil when there is none).
    private var apart: StagingApartMonth? = nil
    /// The months (`year * 12 + month - 1`) of the rows sent to `apart`.
    private var apartMonths: Set<Int> = []
    private var open = true
    private var documentMark: (Int, Int, Int, Set<Int>)? = nil
    /// The first load's COPY straight into staging, open across batches (`OpenCopyIn`); while it is open, the
    /// batches' other rows wait in `pendingMerged` and `pendingRejects` (sent when they grow, or before anything
    /// else uses the connection).
    private var directCopy: OpenCopyIn? = nil
    private var pendingMerged: [UInt8] = []
    private var pendingRejects: [UInt8] = []
    /// Rows waiting beside an open direct COPY are sent once they reach this many bytes.
    static let pendingLimit = 4 << 20
    private let sharedLock: Bool
    private var loadTable: String { "cp_load_\(schema.feed)" }
    /// Whether this load's rows for staging and the MERGE go in binary COPY form (`StagingSchema.copyBinary`).
    private let binary: Bool
    /// The options of those COPY statements.
    private var copyOptions: String { binary ? " (FORMAT binary)" : "" }
    private var rejectTable: String { "cp_rejects_\(schema.feed)" }

    /// Prepares the staging table, records a running `feed_runs` row and begins the load's transaction.
    public init(
        connection: PostgresConnection, schema: StagingSchema, runID: Int64, mode: Mode, maxRejectRatio: Double,
        rejectRatioFloor: Int = 0, window: (from: Date?, to: Date?) = (nil, nil)
    ) throws(StagingError) {
        self.rejectRatioFloor = rejectRatioFloor
        self.connection = connection
        self.schema = schema
        self.binary = schema.copyBinary != nil
        self.runID = runID
        self.mode = mode
        self.maxRejectRatio = maxRejectRatio
        let shared = mode.isWindow
        self.sharedLock = shared
        // Only a lock another session holds is "busy"; a lost connection or a failed query says what it is.
        let locked: Bool
        do {
            locked = shared
                ? try connection.tryAdvisoryLockShared(named: StagingLoad.lockName(schema.feed))
                : try connection.tryAdvisoryLock(named: StagingLoad.lockName(schema.feed))
        } catch {
            throw .database(feed: schema.feed, error)
        }
        guard locked else { throw .busy(feed: schema.feed) }
        do {
            // Holding the feed's lock alone, any load still marked running was cut off (its session is gone).
            if !shared { try StagingLoad.markAbandoned(connection, feed: schema.feed) }
            let cursor = try connection.query(
                "SELECT cursor_value FROM citypipe.feed_state WHERE feed = $1", [schema.feed], name: "read cursor")
                .first?.decode(String?.self, "cursor_value")
            feedRunID = try connection.query(
                """
                INSERT INTO citypipe.feed_runs (run_id, feed, window_from, window_to, cursor_before)
                VALUES ($1, $2, $3, $4, $5) RETURNING feed_run_id
                """, [runID, schema.feed, window.from, window.to, cursor], name: "start feed run"
            ).first?.decode(Int64.self, "feed_run_id") ?? 0
            // The partitions of the periods this load may bring are made before its transaction when the table is
            // there (each commits at once: backfill windows side by side do not wait on each other's).
            let bounds: (from: String?, to: String?)
            if case .window(_, let from, let to) = mode {
                bounds = (StagingTable.firstDay(from), StagingTable.firstDay(to))
            } else {
                bounds = (nil, nil)
            }
            let partitionedBefore = try schema.partitioning != nil && StagingTable.isPartitioned(schema.table, connection)
            if partitionedBefore {
                try StagingTable.ensurePartitions(schema, connection, from: bounds.from, to: bounds.to)
            }
            try connection.simpleExecute("BEGIN", name: "begin load")
            let table = try StagingTable.prepare(schema, connection, keyLater: true)
            // A table this load made, or made partitioned, gets them inside its transaction.
            if !partitionedBefore { try StagingTable.ensurePartitions(schema, connection, from: bounds.from, to: bounds.to) }
            presentColumns = table.present
            keyLater = table.created
            let empty = try table.created || connection.query(
                "SELECT NOT EXISTS (SELECT 1 FROM \(schema.table)) AS empty", name: "is staging empty"
            ).first?.decode(Bool.self, "empty") ?? false
            // Backfill windows of one feed may load side by side (shared lock): each takes the MERGE path, so that
            // two of them never insert the same key directly.
            firstLoad = empty && presentColumns.count == schema.columns.count && !mode.isWindow
            let emptyPartitions = firstLoad || mode != .incremental || presentColumns.count != schema.columns.count
                ? [:] : try StagingLoad.emptyMonths(schema, connection)
            let emptyMonths = Set(emptyPartitions.keys)
            // A snapshot load of a table cut by nothing knows its staged rows: an unchanged record is not sent.
            known = !firstLoad && mode == .snapshot && presentColumns.count == schema.columns.count && schema.partitioning == nil
                && schema.recordKey == schema.primaryKey
                ? try KnownRows.fetch(schema, keyColumns: schema.recordKey, connection) : nil
            encoder = StagingBatchEncoder(schema: schema, runID: runID, firstLoad: firstLoad, emptyMonths: emptyMonths, known: known)
            directMonths = emptyMonths.sorted().map { String(format: "%04d-%02d-01", $0 / 12, $0 % 12 + 1) }
            if !emptyPartitions.isEmpty {
                apart = try StagingApartMonth.create(parent: schema.table, partitions: emptyPartitions, connection)
            }
            let keyColumns = schema.primaryKey.indices.map { "k\($0) text" }.joined(separator: ", ")
            try connection.simpleExecute(
                """
                CREATE TEMP TABLE \(loadTable) (
                    \(schema.columns.map { "\($0.name) \($0.sqlType)" }.joined(separator: ", ")),
                    _extra jsonb, _hash text NOT NULL, _position bigint NOT NULL
                ) ON COMMIT DROP;
                CREATE TEMP TABLE \(rejectTable) (
                    position bigint, record_key_hash text, field text, reason text NOT NULL, raw text, \(keyColumns)
                ) ON COMMIT DROP;
                """, name: "create load tables")
        } catch let error as StagingError {
            StagingLoad.release(connection, schema.feed, shared: sharedLock)
            throw error
        } catch let error as PostgresError {
            StagingLoad.release(connection, schema.feed, shared: sharedLock)
            throw .database(feed: schema.feed, error)
        } catch {
            StagingLoad.release(connection, schema.feed, shared: sharedLock)
            throw .database(feed: schema.feed, PostgresError(.server, message: String(describing: error)))
        }
    }

    /// The months whose partition of `schema.table` holds no row, for an incremental load of a table partitioned
    /// by month on a date column whose records keep their period (`period_can_change` off): that load holds the
    /// feed's lock alone, so they stay empty but for its rows, and its records of those months whose key is
    /// certainly new in the load are COPYed straight in (a new month: no temporary table, index or MERGE). Each month
    /// (`year * 12 + month - 1`) with its partition: `StagingApartMonth` puts a table in its place.
    static func emptyMonths(_ schema: StagingSchema, _ connection: PostgresConnection) throws -> [Int: StagingApartMonth.Partition] {
        guard let partitioning = schema.partitioning, partitioning.interval == "month", !partitioning.periodCanChange,
              schema.columns.first(where: { $0.name == partitioning.column })?.sqlType == "date"
        else { return [:] }
        var months: [Int: StagingApartMonth.Partition] = [:]
        let partitions = try connection.query(
            """
            SELECT c.oid::regclass::text AS partition, quote_ident(c.relname) AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
                   substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \\(''([0-9]{4}-[0-9]{2})-01''\\)') AS month
            FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)
            """, [schema.table], name: "partitions of \(schema.table)")
        for row in partitions {
            guard let text = try row.decode(String?.self, "month"), let month = StagingBatchEncoder.month(Array(text.utf8)) else { continue }
            let partition = try row.decode(String.self, "partition")
            if try connection.query("SELECT NOT EXISTS (SELECT 1 FROM \(partition)) AS empty", name: "is a partition empty")
                .first?.decode(Bool.self, "empty") == true {
                months[month] = StagingApartMonth.Partition(
                    qualified: partition, name: try row.decode(String.self, "name"), bound: try row.decode(String.self, "bound"))
            }
        }
        return months
    }

    /// Adds a batch of typed records and of rejected ones.
    public func append(_ records: [StagedRecord], rejects: [RejectedRecord] = []) throws(StagingError) {
        guard open else { throw .finished(feed: schema.feed) }
        let batch = try encoder.encode(records, rejects: rejects)
        try append(batch)
    }

    /// Hands out this load's encoder, to encode batches on another thread (in feed order) for `append(_:)`; the
    /// load keeps one that sends every record through the MERGE (always correct, only slower).
    public func takeEncoder() -> StagingBatchEncoder {
        let taken = encoder
        encoder = StagingBatchEncoder(schema: schema, runID: runID, firstLoad: false)
        return taken
    }

    /// Adds a batch encoded by this load's encoder. A first load's rows for staging go into one COPY kept open
    /// across batches; the batch's other rows follow when that COPY ends (see `finishDirectCopy`), so that the
    /// server is never kept waiting between batches.
    public func append(_ batch: EncodedBatch) throws(StagingError) {
        guard open else { throw .finished(feed: schema.feed) }
        try database {
            if !batch.direct.isEmpty {
                if directCopy == nil {
                    let names = schema.columns.map(\.name) + ["_extra", "_hash", "_run_id"]
                    let copy = try connection.beginCopyIn(
                        "COPY \(apart?.table ?? schema.table) (\(names.joined(separator: ", "))) FROM STDIN\(copyOptions)",
                        name: "copy \(schema.feed) batches into staging")
                    directCopy = copy
                    if binary { try CopyBinary.header.withUnsafeBytes { try copy.send($0) } }
                }
                try batch.direct.withUnsafeBytes { bytes in try directCopy?.send(bytes) }
            }
            if directCopy != nil {
                pendingMerged += batch.merged
                pendingRejects += batch.rejects
                if pendingMerged.count + pendingRejects.count >= StagingLoad.pendingLimit { try finishDirectCopy() }
            } else {
                try copyMerged(batch.merged)
                try copyRejects(batch.rejects)
            }
        }
        received += batch.records
        rejected += batch.rejected
        direct += batch.directRows
        apartMonths.formUnion(batch.months)
    }

    /// Ends the open direct COPY, if any, and sends the rows waiting beside it.
    private func finishDirectCopy() throws {
        guard let copy = directCopy else { return }
        directCopy = nil
        if binary { try CopyBinary.trailer.withUnsafeBytes { try copy.send($0) } }
        try copy.finish()
        let merged = pendingMerged
        let rejects = pendingRejects
        pendingMerged = []
        pendingRejects = []
        try copyMerged(merged)
        try copyRejects(rejects)
    }

    private func copyMerged(_ rows: [UInt8]) throws {
        guard !rows.isEmpty else { return }
        let names = schema.columns.map(\.name) + ["_extra", "_hash", "_position"]
        let binary = self.binary
        try connection.copyIn(
            "COPY \(loadTable) (\(names.joined(separator: ", "))) FROM STDIN\(copyOptions)", columns: names,
            name: "copy \(schema.feed) batch"
        ) { writer in
            if binary { try CopyBinary.header.withUnsafeBytes { try writer.appendRaw($0) } }
            try rows.withUnsafeBytes { try writer.appendRaw($0) }
            if binary { try CopyBinary.trailer.withUnsafeBytes { try writer.appendRaw($0) } }
        }
    }

    private func copyRejects(_ rows: [UInt8]) throws {
        guard !rows.isEmpty else { return }
        let keys = schema.primaryKey.indices.map { "k\($0)" }
        let names = ["position", "record_key_hash", "field", "reason", "raw"] + keys
        try connection.copyIn(
            "COPY \(rejectTable) (\(names.joined(separator: ", "))) FROM STDIN", name: "copy \(schema.feed) rejects"
        ) { writer in try rows.withUnsafeBytes { try writer.appendRaw($0) } }
    }

    /// Marks the start of one source document (a file, a window): `rewindDocument` takes the load back here.
    public func markDocument() throws(StagingError) {
        guard open else { throw .finished(feed: schema.feed) }
        try database {
            try finishDirectCopy()
            try connection.simpleExecute("SAVEPOINT cp_document", name: "mark document")
        }
        documentMark = (received, rejected, direct, apartMonths)
    }

    /// Drops what was appended since `markDocument` (its body was cut off and is fetched again).
    public func rewindDocument() throws(StagingError) {
        guard open else { throw .finished(feed: schema.feed) }
        guard let mark = documentMark else { return }
        try database {
            // What waits beside the open COPY came after the mark: dropped; what the COPY took is rolled back.
            pendingMerged = []
            pendingRejects = []
            try finishDirectCopy()
            try connection.simpleExecute("ROLLBACK TO SAVEPOINT cp_document", name: "rewind document")
        }
        (received, rejected, direct, apartMonths) = mark
    }

    /// Merges the load into staging and moves the cursor, in the load's transaction, and commits.
    ///
    /// - Parameters:
    ///   - cursor: the feed's new cursor (`nil` keeps the current one), with the field it is taken from.
    ///   - updateFeedState: false leaves `citypipe.feed_state` alone (a backfill does not move the nightly cursor
    ///     nor count as the feed's last success).
    ///   - alongside: more work for the same transaction, run after the merge, before COMMIT (a backfill marks
    ///     its window succeeded there, so the window and its rows commit together).
    public func commit(
        cursorField: String? = nil, cursor: String? = nil, bytesIn: Int = 0, requests: Int = 0, retries: Int = 0,
        updateFeedState: Bool = true, alongside: ((PostgresConnection, Report) throws -> Void)? = nil
    ) throws(StagingError) -> Report {
        guard open else { throw .finished(feed: schema.feed) }
        do {
            try finishDirectCopy()
        } catch {
            open = false
            abandon(String(describing: error))
            throw .database(feed: schema.feed, (error as? PostgresError) ?? PostgresError(.server, message: String(describing: error)))
        }
        open = false
        do {
            try connection.query(
                """
                INSERT INTO citypipe.rejects (run_id, feed_run_id, feed, stage, position, record_key_hash, field, reason, raw)
                SELECT $1, $2, $3, 'ingest', position, record_key_hash, field, reason, raw FROM \(rejectTable) ORDER BY position
                """, [runID, feedRunID, schema.feed], name: "record rejects")
            if received > 0 && Double(rejected) / Double(max(received, rejectRatioFloor)) > maxRejectRatio {
                let error = StagingError.rejectRatioExceeded(
                    feed: schema.feed, rejected: rejected, total: received, limit: maxRejectRatio)
                if firstLoad {
                    // The rows sent straight to staging go: it had none before this load.
                    try connection.query("DELETE FROM \(schema.table)", name: "undo first load")
                } else if let apart {
                    // Those of empty months are all in the table made for them.
                    try connection.simpleExecute("DROP TABLE \(apart.table)", name: "undo rows staged apart")
                } else if direct > 0 {
                    // Those of empty months: the only rows of this run there before the merge.
                    try connection.query("DELETE FROM \(schema.table) WHERE _run_id = $1", [runID], name: "undo rows sent straight in")
                }
                if keyLater { try StagingTable.addPrimaryKey(schema, connection) }
                try finishFeedRun(status: "failed", staged: 0, unchanged: 0, deleted: 0, cursor: nil, bytesIn: bytesIn,
                    requests: requests, retries: retries, error: error.description)
                try connection.simpleExecute("COMMIT", name: "commit rejects")
                StagingLoad.release(connection, schema.feed, shared: sharedLock)
                throw error
            }
            if keyLater { try StagingTable.addPrimaryKey(schema, connection) }
            if let apart {
                try apart.settle(
                    months: apartMonths, rows: direct, columns: schema.columns.map(\.name) + ["_extra", "_run_id", "_loaded_at", "_hash"], connection)
            }
            let (staged, unchanged, deleted) = try merge()
            try StagingTable.splitDefault(schema, connection)
            let report = Report(
                feedRunID: feedRunID, rowsIn: received, rowsStaged: staged, rowsUnchanged: unchanged,
                rowsDeleted: deleted, rowsRejected: rejected, rowsNotSent: known?.skipped ?? 0)
            if !updateFeedState {
                // A backfill: the nightly cursor and the last success stay the nightly run's.
            } else if let cursor {
                try connection.query(
                    """
                    INSERT INTO citypipe.feed_state (feed, cursor_field, cursor_value, last_run_id, last_success_at, updated_at)
                    VALUES ($1, $2, $3, $4, now(), now())
                    ON CONFLICT (feed) DO UPDATE SET cursor_field = EXCLUDED.cursor_field, cursor_value = EXCLUDED.cursor_value,
                        last_run_id = EXCLUDED.last_run_id, last_success_at = now(), updated_at = now()
                    """, [schema.feed, cursorField, cursor, runID], name: "move cursor")
            } else {
                try connection.query(
                    """
                    INSERT INTO citypipe.feed_state (feed, last_run_id, last_success_at) VALUES ($1, $2, now())
                    ON CONFLICT (feed) DO UPDATE SET last_run_id = EXCLUDED.last_run_id, last_success_at = now(), updated_at = now()
                    """, [schema.feed, runID], name: "record success")
            }
            try finishFeedRun(status: "succeeded", staged: staged, unchanged: unchanged, deleted: deleted, cursor: cursor,
                bytesIn: bytesIn, requests: requests, retries: retries, error: nil)
            try alongside?(connection, report)
            try connection.simpleExecute("COMMIT", name: "commit load")
            StagingLoad.release(connection, schema.feed, shared: sharedLock)
            return report
        } catch let error as StagingError {
            if case .rejectRatioExceeded = error { throw error }
            abandon(error.description)
            throw error
        } catch let error as PostgresError {
            abandon(error.description)
            throw .database(feed: schema.feed, error)
        } catch {
            abandon(String(describing: error))
            throw .database(feed: schema.feed, PostgresError(.server, message: String(describing: error)))
        }
    }

    /// Rolls the load back (staging and the cursor stay as they were) and marks its `feed_runs` row failed.
    public func abort(reason: String) {
        guard open else { return }
        open = false
        abandon(reason)
    }

    private func abandon(_ reason: String) {
        // The connection must leave an open COPY before anything else; its rows go with the transaction.
        if let copy = directCopy {
            directCopy = nil
            _ = try? copy.finish()
        }
        pendingMerged = []
        pendingRejects = []
        StagingLoad.release(connection, schema.feed, shared: sharedLock)
        _ = try? connection.query(
            "UPDATE citypipe.feed_runs SET status = 'failed', finished_at = clock_timestamp(), error = $2, rows_in = $3, rows_rejected = $4 WHERE feed_run_id = $1",
            [feedRunID, reason, received, rejected], name: "fail feed run")
    }

    /// The advisory lock a load of `feed` holds (exclusive for nightly loads, shared for backfill windows).
    public static func lockName(_ feed: String) -> String { "citypipe:feed:\(feed)" }

    /// Marks the `feed_runs` rows of `feed` still `running` as failed: their process ended without committing.
    /// Only right while holding the feed's lock exclusively (no other load of it can be running).
    static func markAbandoned(_ connection: PostgresConnection, feed: String) throws {
        try connection.query(
            """
            UPDATE citypipe.feed_runs SET status = 'failed', finished_at = clock_timestamp(),
                error = 'abandoned: the process ended before its load committed; nothing of it was staged'
            WHERE feed = $1 AND status = 'running'
            """, [feed], name: "mark abandoned loads")
    }

    /// Marks abandoned loads of `feed` failed if no load of it is running now (takes and drops its lock);
    /// returns false, doing nothing, when one is.
    @discardableResult
    public static func cleanUpAbandoned(_ connection: PostgresConnection, feed: String) throws(PostgresError) -> Bool {
        guard try connection.tryAdvisoryLock(named: lockName(feed)) else { return false }
        defer { _ = try? connection.advisoryUnlock(named: lockName(feed)) }
        do {
            try markAbandoned(connection, feed: feed)
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(.server, message: String(describing: error))
        }
        return true
    }

    /// Rolls back whatever is open and lets go of the feed's lock.
    static func release(_ connection: PostgresConnection, _ feed: String, shared: Bool) {
        if connection.isInTransaction { try? connection.simpleExecute("ROLLBACK", name: "rollback load") }
        if shared {
            _ = try? connection.advisoryUnlockShared(named: lockName(feed))
        } else {
            _ = try? connection.advisoryUnlock(named: lockName(feed))
        }
    }

    /// MERGE by key (last record of a key wins), skipping unchanged hashes; snapshot deletes.
    private func merge() throws -> (staged: Int, unchanged: Int, deleted: Int) {
        let key = schema.primaryKey
        let all = schema.columns.map(\.name)
        let ignored = all.filter { !presentColumns.contains($0) }
        let extra = ignored.isEmpty
            ? "n._extra"
            : "coalesce(n._extra, '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object(\(ignored.map { "'\($0)', n.\($0)" }.joined(separator: ", "))))"
        // Statistics of the primary key's columns only (the record key is part of it): the statements below join and
        // sort on them, and the other columns' (a claim's many texts) cost most of the ANALYZE (0.43 s of a night's
        // 36,000 claims at scale 1).
        let keyList = key.joined(separator: ", ")
        try connection.simpleExecute("CREATE INDEX ON \(loadTable) (\(keyList)); ANALYZE \(loadTable) (\(keyList))", name: "index load")
        // The last record of a record key wins (the primary key, or less of it when a record's period can change).
        let recordKey = schema.recordKey
        let distinct = try connection.query(
            "SELECT count(*) AS n FROM (SELECT DISTINCT \(recordKey.joined(separator: ", ")) FROM \(loadTable)) AS d",
            name: "count distinct keys"
        ).first?.decode(Int.self, "n") ?? 0
        // Rows staged before hashes were computed by the client carry md5(ROW(…)): still recognised.
        let legacyHash = "md5(ROW(\((all.map { "n.\($0)" } + ["n._extra"]).joined(separator: ", ")))::text)"
        let hash = "n._hash"
        // An incremental load's rows of months whose partition was empty: those sent straight in are the first of
        // their keys; a key sent again is replaced by its last record, below, and left out of the MERGE.
        var emptyMonthKeys = 0
        var inEmptyMonths = ""
        if let column = schema.partitioning?.column, !directMonths.isEmpty {
            inEmptyMonths = "date_trunc('month', n.\(column))::date = ANY('{\(directMonths.joined(separator: ","))}'::date[])"
            emptyMonthKeys = try connection.query(
                "SELECT count(*) AS n FROM (SELECT DISTINCT \(recordKey.joined(separator: ", ")) FROM \(loadTable) AS n WHERE \(inEmptyMonths)) AS d",
                name: "count keys of empty months"
            ).first?.decode(Int.self, "n") ?? 0
            if emptyMonthKeys > 0 {
                let replaced = try connection.query(
                    """
                    DELETE FROM \(schema.table) AS s USING \(loadTable) AS n
                    WHERE \(inEmptyMonths) AND \(key.map { "s.\($0) = n.\($0)" }.joined(separator: " AND "))
                    """, name: "replace rows of empty months sent again").affectedRows
                let inserted = try connection.query(
                    """
                    INSERT INTO \(schema.table) (\((presentColumns + ["_extra", "_hash", "_run_id"]).joined(separator: ", ")))
                    SELECT \((presentColumns.map { "n.\($0)" } + ["n._extra", "n._hash", "$1"]).joined(separator: ", "))
                    FROM (SELECT DISTINCT ON (\(recordKey.joined(separator: ", "))) * FROM \(loadTable) AS n WHERE \(inEmptyMonths)
                          ORDER BY \(recordKey.joined(separator: ", ")), _position DESC) AS n
                    """, [runID], name: "stage rows of empty months sent again").affectedRows
                direct += inserted - replaced
            }
        }
        let merged = try connection.query(
            """
            MERGE INTO \(schema.table) AS s
            USING (
                SELECT DISTINCT ON (\(recordKey.joined(separator: ", "))) *
                FROM \(loadTable) AS n \(inEmptyMonths.isEmpty ? "" : "WHERE NOT (\(inEmptyMonths))")
                ORDER BY \(recordKey.joined(separator: ", ")), _position DESC
            ) AS n
            ON \(key.map { "s.\($0) = n.\($0)" }.joined(separator: " AND "))\(try periodRange(inEmptyMonths))
            WHEN MATCHED AND (s._hash = n._hash OR s._hash = \(legacyHash)) AND s._deleted_at IS NULL THEN DO NOTHING
            WHEN MATCHED THEN UPDATE SET
                \((presentColumns.map { "\($0) = n.\($0)" } + ["_extra = \(extra)", "_hash = \(hash)", "_run_id = $1", "_loaded_at = now()", "_deleted_at = NULL"]).joined(separator: ",\n        "))
            WHEN NOT MATCHED THEN INSERT (\((presentColumns + ["_extra", "_hash", "_run_id"]).joined(separator: ", ")))
                VALUES (\((presentColumns.map { "n.\($0)" } + [extra, hash, "$1"]).joined(separator: ", ")))
            """, [runID], name: "merge \(schema.feed)"
        ).affectedRows
        let moved = try markMoved()
        if firstLoad {
            // Every staged row came from this load: each key is staged once, none is unchanged or gone (a record
            // sent twice with two periods is staged once, its first period marked deleted).
            let rows = try connection.query("SELECT count(*) AS n FROM \(schema.table)", name: "count first load")
                .first?.decode(Int.self, "n") ?? 0
            return (rows - moved, 0, 0)
        }
        var deleted = moved
        let rejectedKey = key.enumerated().map { "r.k\($0.offset) = s.\($0.element)::text" }.joined(separator: " AND ")
        let gone = """
            UPDATE \(schema.table) AS s SET _deleted_at = now(), _run_id = $1
            WHERE s._deleted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM \(loadTable) AS n WHERE \(key.map { "n.\($0) = s.\($0)" }.joined(separator: " AND ")))
              AND NOT EXISTS (SELECT 1 FROM \(rejectTable) AS r WHERE \(rejectedKey))
            """
        switch mode {
        case .incremental:
            break
        case .snapshot:
            if let known {
                // The staged rows no record named, by place (their keys are in neither temporary table either).
                let places = known.unseenPlaces()
                if !places.isEmpty {
                    try connection.simpleExecute("CREATE TEMP TABLE cp_gone (place tid) ON COMMIT DROP", name: "rows no record named")
                    try connection.copyIn("COPY cp_gone (place) FROM STDIN", name: "copy rows no record named") { writer in
                        for place in places {
                            try writer.append(place)
                            try writer.endRow()
                        }
                    }
                    deleted += try connection.query(
                        gone + "\n  AND s.ctid = ANY (ARRAY(SELECT place FROM cp_gone))", [runID], name: "mark deleted \(schema.feed)"
                    ).affectedRows
                }
            } else {
                deleted += try connection.query(gone, [runID], name: "mark deleted \(schema.feed)").affectedRows
            }
        case .window(let column, let from, let to):
            guard let spec = schema.columns.first(where: { $0.name == column }) else {
                throw StagingError.invalidSchema(feed: schema.feed, reason: "the window column \(column) is not a staging column")
            }
            deleted += try connection.query(
                gone + "\n  AND s.\(column) >= $2::\(spec.sqlType) AND s.\(column) < $3::\(spec.sqlType)", [runID, from, to],
                name: "mark deleted in window \(schema.feed)"
            ).affectedRows
        }
        // An incremental load's rows of empty months are all staged (one per key), none of them unchanged.
        return (merged + direct, distinct - emptyMonthKeys - merged + (known?.skipped ?? 0), deleted)
    }

    /// The MERGE's condition on the staged rows' period, for a table partitioned by period: between the first and
    /// the last period of the records it merges, as constants, so that the planner reads only those periods'
    /// partitions. Exact, as the period is part of the key the rows are matched on. Without it, a month of claims
    /// (36,000 records of two months) was joined with the 700,000 staged claims of every month: 0.74 s of a night at
    /// scale 1, 0.12 s so. Empty when the table is not partitioned or no record is merged.
    private func periodRange(_ inEmptyMonths: String) throws -> String {
        guard let column = schema.partitioning?.column, let type = schema.columns.first(where: { $0.name == column })?.sqlType
        else { return "" }
        let row = try connection.query(
            """
            SELECT min(n.\(column))::text AS low, max(n.\(column))::text AS high
            FROM \(loadTable) AS n \(inEmptyMonths.isEmpty ? "" : "WHERE NOT (\(inEmptyMonths))")
            """, name: "periods of the records to merge").first
        guard let low = try row?.decode(String?.self, "low"), let high = try row?.decode(String?.self, "high") else { return "" }
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'::\(type)" }
        return " AND s.\(column) >= \(literal(low)) AND s.\(column) <= \(literal(high))"
    }

    /// `period_can_change`: a record this load sent with another period than the one staged moved; its staged row
    /// in the old period's partition is marked deleted (as a snapshot marks a record the source no longer sends).
    /// Returns how many.
    ///
    /// The rows of the load's keys staged with another period are found from the primary key's columns alone (the
    /// record key and the period), which each partition's primary key index holds, and only those rows are then
    /// read and marked: a join of the whole table read its rows (0.70 s at scale 1 for a month of claims, against
    /// 0.27 s from the indexes; it usually finds none).
    private func markMoved() throws -> Int {
        guard let partitioning = schema.partitioning, partitioning.periodCanChange else { return 0 }
        let recordKey = schema.recordKey
        let period = partitioning.column
        let moved = try connection.query(
            """
            CREATE TEMP TABLE cp_moved ON COMMIT DROP AS
            SELECT \((recordKey + [period]).map { "k.\($0)" }.joined(separator: ", "))
            FROM \(schema.table) AS k
            JOIN (
                SELECT DISTINCT ON (\(recordKey.joined(separator: ", "))) \((recordKey + [period]).joined(separator: ", "))
                FROM \(loadTable) ORDER BY \(recordKey.joined(separator: ", ")), _position DESC
            ) AS n ON \(recordKey.map { "k.\($0) = n.\($0)" }.joined(separator: " AND ")) AND k.\(period) <> n.\(period)
            """, name: "find moved records of \(schema.feed)"
        ).affectedRows
        guard moved > 0 else { return 0 }
        return try connection.query(
            """
            UPDATE \(schema.table) AS s SET _deleted_at = now(), _run_id = $1
            FROM cp_moved AS m
            WHERE \((recordKey + [period]).map { "s.\($0) = m.\($0)" }.joined(separator: " AND ")) AND s._deleted_at IS NULL
            """, [runID], name: "mark moved records of \(schema.feed)"
        ).affectedRows
    }

    private func finishFeedRun(
        status: String, staged: Int, unchanged: Int, deleted: Int, cursor: String?, bytesIn: Int, requests: Int,
        retries: Int, error: String?
    ) throws {
        try connection.query(
            """
            UPDATE citypipe.feed_runs SET status = $2, finished_at = clock_timestamp(), rows_in = $3, rows_staged = $4,
                rows_unchanged = $5, rows_deleted = $6, rows_rejected = $7, bytes_in = $8, requests = $9, retries = $10,
                cursor_after = coalesce($11, cursor_before), error = $12
            WHERE feed_run_id = $1
            """,
            [feedRunID, status, received, staged, unchanged, deleted, rejected, bytesIn, requests, retries, cursor, error],
            name: "finish feed run")
    }

    private func database(_ body: () throws -> Void) throws(StagingError) {
        do {
            try body()
        } catch let error as PostgresError {
            abort(reason: error.description)
            throw .database(feed: schema.feed, error)
        } catch let error as StagingError {
            abort(reason: error.description)
            throw error
        } catch {
            abort(reason: String(describing: error))
            throw .database(feed: schema.feed, PostgresError(.server, message: String(describing: error)))
        }
    }
}
