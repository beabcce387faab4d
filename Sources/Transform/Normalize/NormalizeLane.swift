import Dispatch
import Foundation
import Postgres
import Warehouse

/// One lane of a normalise pass: its share of the staged rows read a run of heap pages at a time
/// (`COPY … TO STDOUT`, one batch in memory), normalised (on `slices` Dispatch workers), and written to
/// `core.clean_FEED` with their rejects: straight by COPY on a first build (`fresh`), else by COPY to temporary
/// tables and a MERGE; inside the caller's transaction.
struct NormalizeLane {
    /// What a lane did.
    struct Result: Sendable {
        var read = 0
        var written = 0
        var rejects = 0
        /// Seconds spent normalising.
        var cpu = 0.0

        mutating func add(_ other: Result) {
            read += other.read
            written += other.written
            rejects += other.rejects
            cpu += other.cpu
        }
    }

    let plan: FeedNormalization
    let normalizer: RecordNormalizer
    let batchSize: Int
    /// Dispatch workers a batch is normalised on.
    let slices: Int
    let share: LaneShare
    /// The staged rows changed since the watermark; nil reads all.
    let since: StagingChanges.Since?
    /// `core.clean_FEED` was empty when the pass began (a first build, a rebuild): rows and rejects are COPYed
    /// straight into it and `citypipe.rejects`, with nothing to merge.
    let fresh: Bool
    /// The staged partitions this lane reads alone, each with the table it fills straight (`ApartPartition`); nil
    /// reads them all but `skip`.
    var targets: [String: String]? = nil
    /// Staged partitions left to another lane (built apart).
    var skip: Set<String> = []
    /// Reads the rows changed since the watermark through the change index (a cursor over its bitmap scan, a batch
    /// per fetch) instead of a run of heap pages at a time: for a pass whose loads changed few of the table's rows
    /// (`NormalizeStage`), where the runs of pages would read every page of the table once per lane.
    var byIndex = false

    /// Runs the lane on `c`, which must be in a transaction (repeatable read, so that paging sees one snapshot).
    func run(_ c: PostgresConnection, runID: Int64) throws -> Result {
        // The rows it writes are marked with this time: the incremental models read the rows marked after their
        // last build (see `ModelChanges`).
        let mark = try ModelChanges.writerMark(c, writing: plan.table)
        if fresh { return try runFresh(c, runID: runID, mark: mark) }
        // A staged partition whose clean partition is still empty (a new month) is written straight into it, as a
        // first build is: none of its keys can be there. The lanes share that partition but not its rows.
        let partitions = try cleanPartitions(c)
        var straight: [String: Bool] = [:]
        func isStraight(_ target: String) throws -> Bool {
            guard target != plan.table else { return false }
            if let known = straight[target] { return known }
            let empty = try c.query("SELECT NOT EXISTS (SELECT 1 FROM ONLY \(target)) AS empty", name: "is \(target) empty")
                .first?.decode(Bool.self, "empty") ?? false
            straight[target] = empty
            return empty
        }
        try c.simpleExecute(
            """
            CREATE TEMP TABLE cp_clean (\((plan.columns.map { "\($0.name) \($0.sqlType)" } + ["_quality text[]", "_hash text", "_deleted_at timestamptz"]).joined(separator: ", "))) ON COMMIT DROP;
            CREATE TEMP TABLE cp_clean_rejects (key_hash text, field text, reason text) ON COMMIT DROP;
            CREATE TEMP TABLE cp_clean_seen (key_hash text) ON COMMIT DROP;
            """, name: "create transform tables")
        var result = Result()
        var toMerge = 0
        try forEachBatch(c) { batch, relation in
            result.read += batch.count
            let started = Date()
            let outputs = normalize(batch)
            result.cpu += Date().timeIntervalSince(started)
            let target = cleanTarget(of: relation, among: partitions)
            if try isStraight(target) {
                result.rejects += try copyStraight(batch, outputs, into: target, c, runID: runID, mark: mark)
                result.written += batch.count
            } else {
                result.rejects += try write(batch, outputs, c)
                toMerge += batch.count
            }
        }
        result.written += try merge(c, runID: runID, mark: mark, rows: toMerge)
        return result
    }

    /// Reads the lane's rows a run of pages at a time, up to the table's size as this transaction's snapshot
    /// sees it (every row it can see lies below), and hands each non-empty batch to `body`. A partitioned staging
    /// table is read partition by partition (each has its own pages). A table without a row changed since the
    /// watermark is not read: the index over the change moment says so in a few pages (`StagingChanges`), where
    /// the runs of pages would read a month no load touched whole.
    private func forEachBatch(_ c: PostgresConnection, _ body: ([[String?]], _ relation: String) throws -> Void) throws {
        for relation in try stagedRelations(c) where !skip.contains(relation) && targets.map({ $0[relation] != nil }) ?? true {
            if let since, try !holdsChanges(c, relation, since) { continue }
            if byIndex, let since {
                try readChanged(c, relation, since, body)
                continue
            }
            let pages = try heapPages(c, of: relation)
            var page = 0
            while page < pages {
                let next = page + share.pagesPerBatch
                var batch: [[String?]] = []
                _ = try c.copyOutRows(readQuery(from: page, to: next, in: relation), name: "read \(plan.feed) batch") { batch.append($0) }
                if !batch.isEmpty { try body(batch, relation) }
                page = next
            }
        }
    }

    /// Reads the lane's rows of `relation` changed `since` through the change index: one scan of the pages its
    /// ranges name, by a cursor fetched `batchSize` rows at a time (the batch tables are written between fetches,
    /// on the same connection and snapshot).
    private func readChanged(
        _ c: PostgresConnection, _ relation: String, _ since: StagingChanges.Since,
        _ body: ([[String?]], _ relation: String) throws -> Void
    ) throws {
        let conditions = [since.indexed, share.condition(plan)].compactMap { $0 }
        // A cursor is planned for its first rows unless told that all are wanted: a bitmap scan of the index, not
        // a scan of the whole table.
        try c.simpleExecute(
            """
            SET LOCAL cursor_tuple_fraction = 1;
            DECLARE cp_changed_rows NO SCROLL CURSOR FOR
                SELECT \(selectList) FROM \(relation) WHERE \(conditions.joined(separator: " AND "))
            """, name: "changed rows of \(relation)")
        while true {
            let rows = try c.query("FETCH FORWARD \(batchSize) FROM cp_changed_rows", name: "read \(plan.feed) changes")
            guard !rows.isEmpty else { break }
            let width = rows.columns.count
            let batch = try rows.map { row in try (0..<width).map { try row.text($0) } }
            try body(batch, relation)
            if rows.count < batchSize { break }
        }
        try c.simpleExecute("CLOSE cp_changed_rows", name: "close changed rows of \(relation)")
    }

    /// Whether `relation` holds a row changed `since`.
    private func holdsChanges(_ c: PostgresConnection, _ relation: String, _ since: StagingChanges.Since) throws -> Bool {
        try c.query(
            "SELECT EXISTS (SELECT 1 FROM \(relation) WHERE \(since.indexed)) AS changed", name: "changes in \(relation)"
        ).first?.decode(Bool.self, "changed") ?? true
    }

    /// The part of `core.clean_FEED` that takes the rows of the staged `relation`: a partition of staging
    /// (`staging.FEED_p2024_03`) fills the clean table's partition of the same period (`core.clean_FEED_p2024_03`,
    /// cut alike by `mirror_partitions`; the partition column is not normalised, so every row fits it), which spares
    /// the routing of each row; the table itself otherwise.
    /// A staging partition made after the clean table was cut (a load beside the pass) has no match yet: its rows go
    /// through the table, which routes them to its default partition, split at the end of the pass.
    func cleanTarget(of relation: String, among partitions: Set<String>) -> String {
        if let targets { return targets[relation] ?? plan.table }
        let staged = "staging.\(plan.feed)"
        guard plan.partitioning != nil, relation.hasPrefix(staged + "_") else { return plan.table }
        let partition = plan.table + relation.dropFirst(staged.count)
        return partitions.contains(partition) ? partition : plan.table
    }

    /// The partitions of `core.clean_FEED` (none when it is not partitioned).
    private func cleanPartitions(_ c: PostgresConnection) throws -> Set<String> {
        guard plan.partitioning != nil else { return [] }
        return Set(try c.query(
            """
            SELECT format('%I.%I', n.nspname, k.relname) AS relation
            FROM pg_inherits AS i JOIN pg_class AS k ON k.oid = i.inhrelid JOIN pg_namespace AS n ON n.oid = k.relnamespace
            WHERE i.inhparent = $1::regclass
            """, [plan.table], name: "partitions of \(plan.table)"
        ).map { try $0.decode(String.self, "relation") })
    }

    /// The tables whose heap holds `staging.FEED`'s rows: the table itself, or the partitions of a partitioned one.
    func stagedRelations(_ c: PostgresConnection) throws -> [String] {
        let leaves = try c.query(
            """
            SELECT format('%I.%I', n.nspname, k.relname) AS relation
            FROM pg_partition_tree($1::regclass) AS t
            JOIN pg_class AS k ON k.oid = t.relid JOIN pg_namespace AS n ON n.oid = k.relnamespace
            WHERE t.isleaf ORDER BY k.relname
            """, ["staging.\(plan.feed)"], name: "tables of staging.\(plan.feed)"
        ).map { try $0.decode(String.self, "relation") }
        // A table that is not partitioned has no partition tree: it holds its rows itself.
        return leaves.isEmpty ? ["staging.\(plan.feed)"] : leaves
    }

    /// The heap pages of `relation` (default `staging.FEED`) as `c`'s snapshot sees the table's size (every row it
    /// can see lies below).
    func heapPages(_ c: PostgresConnection, of relation: String? = nil) throws -> Int {
        let table = relation ?? "staging.\(plan.feed)"
        return try c.query(
            "SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::bigint)::bigint AS pages",
            [table], name: "pages of \(table)").first?.decode(Int.self, "pages") ?? 0
    }

    /// The lane of a first build: each batch COPYed into `core.clean_FEED` and its rejects into
    /// `citypipe.rejects` as it is normalised.
    private func runFresh(_ c: PostgresConnection, runID: Int64, mark stamp: String) throws -> Result {
        var result = Result()
        let partitions = try cleanPartitions(c)
        try forEachBatch(c) { batch, relation in
            result.read += batch.count
            let mark = Date()
            let outputs = normalize(batch)
            result.cpu += Date().timeIntervalSince(mark)
            result.rejects += try copyStraight(batch, outputs, into: cleanTarget(of: relation, among: partitions), c, runID: runID, mark: stamp)
            result.written += batch.count
        }
        return result
    }

    /// A normalised batch COPYed straight into `target` (the clean table or one of its partitions, which holds
    /// none of the batch's keys) and its rejects into `citypipe.rejects`; returns the number of rejects.
    private func copyStraight(
        _ batch: [[String?]], _ outputs: [RecordNormalizer.Output], into target: String, _ c: PostgresConnection, runID: Int64,
        mark stamp: String
    ) throws -> Int {
        let columns = plan.columns.map(\.name) + ["_quality", "_hash", "_deleted_at", "_normalized_by", "_run_id", "_normalized_at"]
        let keyWidth = plan.primaryKey.count
        let fieldCount = plan.fields.count
        var rejects = 0
        _ = try c.copyIn("COPY \(target) (\(columns.joined(separator: ", "))) FROM STDIN", name: "copy \(plan.table)") { writer in
            for (row, output) in zip(batch, outputs) {
                for value in output.values { try writer.append(value) }
                try writer.append(Self.flags(output.quality))
                try writer.append(row[keyWidth + fieldCount + 1])
                try writer.append(row[keyWidth + fieldCount + 2])
                try writer.append(FeedNormalization.version)
                try writer.append(String(runID))
                try writer.append(stamp)
                try writer.endRow()
            }
        }
        if outputs.contains(where: { !$0.failures.isEmpty }) {
            _ = try c.copyIn(
                "COPY citypipe.rejects (run_id, feed, stage, record_key_hash, field, reason) FROM STDIN", name: "copy transform rejects"
            ) { writer in
                rejects = try Self.writeRejects(
                    outputs, keyHash: { RecordKeyHash.of(Array(batch[$0].prefix(keyWidth))) }, leading: [String(runID), plan.feed, "transform"],
                    to: writer)
            }
        }
        return rejects
    }

    /// One COPY row per failure of `outputs`: the `leading` columns, the record's key hash (`keyHash` of its index),
    /// the field, the reason. Returns the rows written.
    static func writeRejects(
        _ outputs: [RecordNormalizer.Output], keyHash: (Int) -> String, leading: [String], to writer: CopyInWriter
    ) throws -> Int {
        var count = 0
        for (index, output) in outputs.enumerated() where !output.failures.isEmpty {
            let hash = keyHash(index)
            for failure in output.failures {
                for value in leading { try writer.append(value) }
                try writer.append(hash)
                try writer.append(failure.field)
                try writer.append("\(failure.code): \(failure.reason)")
                try writer.endRow()
                count += 1
            }
        }
        return count
    }

    /// `_quality` as a text[] literal, nil when there is no flag.
    static func flags(_ quality: [String]) -> String? {
        quality.isEmpty ? nil : "{" + quality.map { "\"\($0)\"" }.joined(separator: ",") + "}"
    }

    /// Normalises a batch on `slices` Dispatch workers, each taking a contiguous slice.
    func normalize(_ batch: [[String?]]) -> [RecordNormalizer.Output] {
        let count = batch.count
        let first = plan.primaryKey.count
        let end = first + plan.fields.count + 1  // the fields, then the record date
        let normalizer = self.normalizer
        guard slices > 1, count > 1 else { return batch.map { normalizer.normalize(Array($0[first..<end])) } }
        let parts = min(slices, count)
        let results = SliceResults(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { slice in
            let lower = count * slice / parts
            let upper = count * (slice + 1) / parts
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
                try writer.append(Self.flags(output.quality))
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
            rejects = try Self.writeRejects(outputs, keyHash: { hashes[$0] }, leading: [], to: writer)
        }
        return rejects
    }

    /// The read of one batch: the lane's rows on heap pages `[from, to)` changed since the watermark: keys, the
    /// fields, the record date, the hash, the deletion.
    func readQuery(from: Int, to: Int, in relation: String? = nil) -> String {
        let conditions = ["ctid >= '(\(from),0)'::tid", "ctid < '(\(to),0)'::tid"] + [since?.scanned, share.condition(plan)].compactMap { $0 }
        return """
            COPY (SELECT \(selectList)
                  FROM \(relation ?? "staging.\(plan.feed)") WHERE \(conditions.joined(separator: " AND "))) TO STDOUT
            """
    }

    /// What a batch reads of each row: keys, the fields, the record date, the hash, the deletion (as text).
    private var selectList: String {
        let fields = plan.fields.map { "\($0.name)::text" }
        let recordDate = plan.recordDate.column.map { "\($0)::text" } ?? "NULL"
        return (plan.primaryKey.map { "\($0)::text" } + fields + [recordDate, "_hash", "_deleted_at"]).joined(separator: ", ")
    }

    /// MERGE of the batch tables (`rows` records) into `core.clean_FEED`; the rejects of the records read replace
    /// their earlier ones.
    private func merge(_ c: PostgresConnection, runID: Int64, mark: String, rows: Int) throws -> Int {
        // Each record looks its key up in the table and writes its row again with an entry in every index: the table
        // is read ahead first, while the statements before the MERGE run, when reading it in order is the cheaper
        // way (`ReadAhead`).
        try ReadAhead.table(plan.table, rows: rows, c)
        let key = plan.primaryKey
        let columns = plan.columns.map(\.name) + ["_quality", "_hash", "_deleted_at"]
        // The batch tables have no statistics yet: without them the planner guesses one row and loops. Of cp_clean,
        // the key the statements below join on (its other columns are only copied).
        try c.simpleExecute(
            "ANALYZE cp_clean (\(key.joined(separator: ", "))); ANALYZE cp_clean_seen; ANALYZE cp_clean_rejects", name: "analyze transform tables")
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
            WHEN MATCHED THEN UPDATE SET \((columns.map { "\($0) = n.\($0)" } + ["_normalized_by = $2", "_run_id = $1", "_normalized_at = $3::timestamptz"]).joined(separator: ", "))
            WHEN NOT MATCHED THEN INSERT (\((columns + ["_normalized_by", "_run_id", "_normalized_at"]).joined(separator: ", ")))
                VALUES (\((columns.map { "n.\($0)" } + ["$2", "$1", "$3::timestamptz"]).joined(separator: ", ")))
            """, [runID, FeedNormalization.version, mark], name: "merge \(plan.table)").affectedRows
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
