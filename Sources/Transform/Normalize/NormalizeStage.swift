import Dispatch
import Foundation
import Normalize
import Postgres
import Warehouse

/// The first half of the transform stage: the rows of `staging.FEED` staged since the feed's watermark are read
/// in key order, batch by batch (`COPY … TO STDOUT`), normalised on Dispatch workers
/// (`DispatchQueue.concurrentPerform` over slices of the batch; one batch in memory at a time), and merged into
/// `core.clean_FEED` by key, with the rejects and the new watermark, in one transaction.
///
/// A value that fails its normaliser is kept as null with a quality flag (`_quality`) and written to
/// `citypipe.rejects` (stage `transform`, field, reason; never the value). A row whose staged `_hash` and
/// deletion are unchanged is not rewritten, so running again over the same staged data changes nothing; a
/// deleted staged row is marked deleted here too. A row is rewritten only when something in it changed (its
/// staged hash, its deletion, or its normalised values, e.g. after a new normaliser version).
///
/// The watermark is the start of the read, or earlier if a load of the feed was still running then (its rows
/// will carry a later `_loaded_at` than its start): no committed row is ever skipped.
public final class NormalizeStage: Sendable {
    /// What one feed's pass did.
    public struct Report: Sendable, Equatable {
        public let feed: String
        public let rowsRead: Int
        public let rowsWritten: Int
        public let rejects: Int
        public let seconds: Double
        /// Of `seconds`, the time spent normalising on the Dispatch workers (the rest is PostgreSQL: reading,
        /// writing, merging).
        public let normalizeSeconds: Double
    }

    public let plan: FeedNormalization
    public let workers: Int
    public let batchSize: Int

    public init(plan: FeedNormalization, workers: Int = 2, batchSize: Int = 20_000) {
        self.plan = plan
        self.workers = max(1, workers)
        self.batchSize = max(100, batchSize)
    }

    /// Normalises what changed in `staging.FEED` since the watermark (everything with `full`), as part of run `runID`.
    public func run(_ connection: PostgresConnection, runID: Int64, full: Bool = false) throws -> Report {
        let started = Date()
        let index: AdminUnitIndex
        do {
            index = try AdminUnitIndex.shared.get()
        } catch {
            throw TransformError.referenceData(error.description)
        }
        let seconds = Date().timeIntervalSince1970 + 7 * 3_600
        let normalizer = RecordNormalizer(plan: plan, index: index, today: CivilDate(daysSince1970: Int(seconds / 86_400)))
        return try connection.transaction(isolation: .repeatableRead) { c in
            guard try c.tryAdvisoryTransactionLock(named: "citypipe:transform:\(plan.feed)") else {
                throw TransformError.busy(feed: plan.feed)
            }
            // The clean table exists even before the feed's first load, so that the models reading it build.
            try prepareTable(c)
            guard try c.query("SELECT to_regclass($1) IS NOT NULL AS present", ["staging.\(plan.feed)"]).first?
                .decode(Bool.self, "present") == true
            else {
                return Report(feed: plan.feed, rowsRead: 0, rowsWritten: 0, rejects: 0, seconds: 0, normalizeSeconds: 0)
            }
            // A watermark holds only for the plan that wrote it: new normalisers or new columns read everything.
            let state = try c.query("SELECT watermark, plan FROM citypipe.transform_state WHERE feed = $1", [plan.feed]).first
            let current = try state?.decode(String?.self, "plan") == plan.signature
            let watermark = full || !current ? nil : try state?.decode(Date?.self, "watermark")
            let next = try c.query(
                """
                SELECT least(now(), (SELECT min(started_at) FROM citypipe.feed_runs WHERE feed = $1 AND status = 'running')) AS w
                """, [plan.feed]).first?.decode(Date.self, "w") ?? Date()
            try c.simpleExecute(
                """
                CREATE TEMP TABLE cp_clean (\((plan.columns.map { "\($0.name) \($0.sqlType)" } + ["_quality text[]", "_hash text", "_deleted_at timestamptz"]).joined(separator: ", "))) ON COMMIT DROP;
                CREATE TEMP TABLE cp_clean_rejects (key_hash text, field text, reason text) ON COMMIT DROP;
                CREATE TEMP TABLE cp_clean_seen (key_hash text) ON COMMIT DROP;
                """, name: "create transform tables")
            var read = 0
            var rejects = 0
            var cpu = 0.0
            var after: [String?]? = nil
            while true {
                var batch: [[String?]] = []
                batch.reserveCapacity(batchSize)
                _ = try c.copyOutRows(readQuery(since: watermark, after: after), name: "read \(plan.feed) batch") { batch.append($0) }
                guard !batch.isEmpty else { break }
                read += batch.count
                let mark = Date()
                let outputs = normalize(batch, with: normalizer)
                cpu += Date().timeIntervalSince(mark)
                rejects += try write(batch, outputs, c)
                if batch.count < batchSize { break }
                after = Array(batch[batch.count - 1].prefix(plan.primaryKey.count))
            }
            let written = try merge(c, runID: runID)
            try c.query(
                """
                INSERT INTO citypipe.transform_state (feed, watermark, last_run_id, updated_at, plan) VALUES ($1, $2, $3, now(), $4)
                ON CONFLICT (feed) DO UPDATE SET watermark = EXCLUDED.watermark, last_run_id = EXCLUDED.last_run_id,
                    updated_at = now(), plan = EXCLUDED.plan
                """, [plan.feed, next, runID, plan.signature], name: "move transform watermark")
            return Report(
                feed: plan.feed, rowsRead: read, rowsWritten: written, rejects: rejects, seconds: Date().timeIntervalSince(started),
                normalizeSeconds: cpu)
        }
    }

    /// Normalises a batch on `workers` Dispatch workers, each taking a contiguous slice.
    func normalize(_ batch: [[String?]], with normalizer: RecordNormalizer) -> [RecordNormalizer.Output] {
        let count = batch.count
        let slices = min(workers, count)
        let results = SliceResults(count: slices)
        let first = plan.primaryKey.count
        let end = first + plan.fields.count + 1  // the fields, then the record date
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let lower = count * slice / slices
            let upper = count * (slice + 1) / slices
            var part: [RecordNormalizer.Output] = []
            part.reserveCapacity(upper - lower)
            for row in batch[lower..<upper] { part.append(normalizer.normalize(Array(row[first..<end]))) }
            results.set(slice, part)
        }
        return results.joined()
    }

    /// COPY of a normalised batch into the temporary tables; returns the number of rejects.
    private func write(_ batch: [[String?]], _ outputs: [RecordNormalizer.Output], _ c: PostgresConnection) throws -> Int {
        let keyWidth = plan.primaryKey.count
        let fieldCount = plan.fields.count
        _ = try c.copyIn("COPY cp_clean FROM STDIN", name: "copy clean \(plan.feed)") { writer in
            for (row, output) in zip(batch, outputs) {
                for value in output.values { try writer.append(value) }
                try writer.append(output.quality.isEmpty ? nil : "{" + output.quality.map { "\"\($0)\"" }.joined(separator: ",") + "}")
                try writer.append(row[keyWidth + fieldCount + 1])
                try writer.append(row[keyWidth + fieldCount + 2])
                try writer.endRow()
            }
        }
        var rejects = 0
        let hashes = batch.map { RecordKeyHash.of(Array($0.prefix(keyWidth))) }
        _ = try c.copyIn("COPY cp_clean_seen FROM STDIN", name: "copy transform keys") { writer in
            for hash in hashes {
                try writer.append(hash)
                try writer.endRow()
            }
        }
        _ = try c.copyIn("COPY cp_clean_rejects FROM STDIN", name: "copy transform rejects") { writer in
            for (keyHash, output) in zip(hashes, outputs) where !output.failures.isEmpty {
                for failure in output.failures {
                    try writer.append(keyHash)
                    try writer.append(failure.field)
                    try writer.append("\(failure.code): \(failure.reason)")
                    try writer.endRow()
                    rejects += 1
                }
            }
        }
        return rejects
    }

    /// The read of one batch: keys (for paging), the fields, the record date, the hash, the deletion.
    func readQuery(since watermark: Date?, after: [String?]?) -> String {
        let key = plan.primaryKey.joined(separator: ", ")
        let fields = plan.fields.map { "\($0.name)::text" }
        let recordDate = plan.recordDate.column.map { "\($0)::text" } ?? "NULL"
        var conditions: [String] = []
        if let watermark {
            conditions.append("greatest(_loaded_at, coalesce(_deleted_at, '-infinity')) >= \(NormalizeStage.literal(NormalizeStage.timestamp(watermark)))::timestamptz")
        }
        if let after {
            let values = zip(plan.primaryKey, after).map { name, value in
                let type = plan.fields.first { $0.name == name }?.stagingType ?? "text"
                return "\(value.map(NormalizeStage.literal) ?? "NULL")::\(type)"
            }
            conditions.append("(\(key)) > (\(values.joined(separator: ", ")))")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return """
            COPY (SELECT \((plan.primaryKey.map { "\($0)::text" } + fields + [recordDate, "_hash", "_deleted_at"]).joined(separator: ", "))
                  FROM staging.\(plan.feed) \(filter) ORDER BY \(key) LIMIT \(batchSize)) TO STDOUT
            """
    }

    /// Creates `core.clean_FEED` or adds the columns a manifest gained.
    private func prepareTable(_ c: PostgresConnection) throws {
        let columns = plan.columns.map { "\($0.name) \($0.sqlType)" }
            + ["_quality text[]", "_hash text", "_deleted_at timestamptz", "_normalized_by text", "_run_id bigint", "_normalized_at timestamptz"]
        try c.simpleExecute(
            """
            CREATE TABLE IF NOT EXISTS \(plan.table) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(plan.primaryKey.joined(separator: ", "))));
            COMMENT ON TABLE \(plan.table) IS 'staging.\(plan.feed), normalised by the semantics its manifest declares (citypipe transform)';
            """, name: "create \(plan.table)")
        for column in plan.columns {
            try c.simpleExecute("ALTER TABLE \(plan.table) ADD COLUMN IF NOT EXISTS \(column.name) \(column.sqlType)", name: "add column")
        }
    }

    /// MERGE of the batch tables into `core.clean_FEED`; the rejects of the records read replace their earlier ones.
    private func merge(_ c: PostgresConnection, runID: Int64) throws -> Int {
        let key = plan.primaryKey
        let columns = plan.columns.map(\.name) + ["_quality", "_hash", "_deleted_at"]
        // The batch tables have no statistics yet: without them the planner guesses one row and loops.
        try c.simpleExecute("ANALYZE cp_clean; ANALYZE cp_clean_seen; ANALYZE cp_clean_rejects", name: "analyze transform tables")
        try c.query(
            """
            DELETE FROM citypipe.rejects AS r USING (SELECT DISTINCT key_hash FROM cp_clean_seen) AS s
            WHERE r.feed = $1 AND r.stage = 'transform' AND r.record_key_hash = s.key_hash
            """, [plan.feed], name: "replace transform rejects")
        try c.query(
            """
            INSERT INTO citypipe.rejects (run_id, feed, stage, record_key_hash, field, reason)
            SELECT $1, $2, 'transform', key_hash, field, reason FROM cp_clean_rejects
            """, [runID, plan.feed], name: "record transform rejects")
        return try c.query(
            """
            MERGE INTO \(plan.table) AS t USING cp_clean AS n
            ON \(key.map { "t.\($0) = n.\($0)" }.joined(separator: " AND "))
            WHEN MATCHED AND (\(columns.map { "t.\($0)" }.joined(separator: ", ")))
                 IS NOT DISTINCT FROM (\(columns.map { "n.\($0)" }.joined(separator: ", "))) THEN DO NOTHING
            WHEN MATCHED THEN UPDATE SET \((columns.map { "\($0) = n.\($0)" } + ["_normalized_by = $2", "_run_id = $1", "_normalized_at = now()"]).joined(separator: ", "))
            WHEN NOT MATCHED THEN INSERT (\((columns + ["_normalized_by", "_run_id", "_normalized_at"]).joined(separator: ", ")))
                VALUES (\((columns.map { "n.\($0)" } + ["$2", "$1", "now()"]).joined(separator: ", ")))
            """, [runID, FeedNormalization.version], name: "merge \(plan.table)").affectedRows
    }

    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// The outputs of the slices of one batch, filled by the Dispatch workers.
final class SliceResults: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [[RecordNormalizer.Output]]

    init(count: Int) {
        parts = Array(repeating: [], count: count)
    }

    func set(_ index: Int, _ part: [RecordNormalizer.Output]) {
        lock.withLock { parts[index] = part }
    }

    func joined() -> [RecordNormalizer.Output] {
        lock.withLock { parts.flatMap { $0 } }
    }
}
