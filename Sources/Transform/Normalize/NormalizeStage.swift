import Dispatch
import Foundation
import Normalize
import Postgres
import Warehouse

/// The first half of the transform stage: the rows of `staging.FEED` staged since the feed's watermark are read
/// in their physical order, a run of heap pages per batch (`COPY … TO STDOUT`, `LaneShare`), normalised on Dispatch
/// workers, and merged into `core.clean_FEED` by key with their rejects; then the watermark moves. With several
/// workers and a way to open connections, the rows are shared out between lanes by a hash of their key, each lane
/// reading, normalising, writing and merging its share on its own connection (`DispatchQueue.concurrentPerform`
/// over the lanes, one batch in memory per lane); otherwise one transaction does it all (see `run`).
///
/// A value that fails its normaliser is kept as null with a quality flag (`_quality`) and written to
/// `citypipe.rejects` (stage `transform`, field, reason; never the value). A row whose staged `_hash` and
/// deletion are unchanged is not rewritten, so running again over the same staged data changes nothing; a
/// deleted staged row is marked deleted here too. A row is rewritten only when something in it changed (its
/// staged hash, its deletion, or its normalised values, e.g. after a new normaliser version).
///
/// A partition of a partitioned clean table that is empty while its staged partition holds rows (a new month of an
/// export) is filled first, in a transaction of its own, as a table apart that is attached once full, so that its
/// indexes are built once (`ApartPartition`); the lanes leave its staged partition alone.
///
/// When the loads since the watermark changed few of the staged rows (`byIndexShare`), one lane reads them through
/// the staging table's change index instead (`NormalizeLane.byIndex`).
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
        /// The changed rows were read through the change index, by one lane (few changed since the watermark),
        /// not a run of heap pages at a time.
        public var readByIndex = false

        /// A pass over a feed never staged.
        static func empty(_ feed: String) -> Report {
            Report(feed: feed, rowsRead: 0, rowsWritten: 0, rejects: 0, seconds: 0, normalizeSeconds: 0)
        }
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
    ///
    /// With `connect` and more than one worker, the rows are shared out between `workers` lanes by a hash of
    /// their key (`LaneShare`), each lane on its own connection (`DispatchQueue.concurrentPerform` over the
    /// lanes): its reads, normalisation, writes and MERGE run beside the others', so PostgreSQL's half of the
    /// work is shared out too. Each lane commits its share in one transaction; the watermark moves when all
    /// have, so a pass cut off half-way is done again whole next time, and finds the rows already written
    /// unchanged. Without `connect` (or with one worker) the pass is one transaction on `connection`, the
    /// watermark moving with it, each batch normalised on `workers` Dispatch workers.
    public func run(
        _ connection: PostgresConnection, runID: Int64, full: Bool = false,
        connect: (@Sendable () throws -> PostgresConnection)? = nil
    ) throws -> Report {
        let started = Date()
        let normalizer = try RecordNormalizer.today(plan)
        let lockName = "citypipe:transform:\(plan.feed)"
        guard let connect, workers > 1 else {
            return try connection.transaction(isolation: .repeatableRead) { c in
                guard try c.tryAdvisoryTransactionLock(named: lockName) else { throw TransformError.busy(feed: plan.feed) }
                guard let pass = try begin(c, full: full) else { return Report.empty(plan.feed) }
                let size = try LaneShare.size(plan, c)
                let share = LaneShare.shares(lanes: 1, batchSize: batchSize, size: size)[0]
                var lane = NormalizeLane(plan: plan, normalizer: normalizer, batchSize: batchSize, slices: workers, share: share, since: pass.since, fresh: pass.fresh)
                lane.byIndex = try readsByIndex(c, pass, tuples: size.tuples)
                let aparts = pass.fresh ? [] : try ApartPartition.find(plan, lane: lane, c)
                var result = try buildApart(aparts, c, share: share, runID: runID, normalizer: normalizer)
                lane.skip = Set(aparts.map(\.staged))
                result.add(try lane.run(c, runID: runID))
                try splitDefault(c)
                if pass.fresh { try finishFresh(c) }
                try moveWatermark(c, to: pass.next, runID: runID, wrote: pass.fresh || result.written > 0)
                var report = Report(
                    feed: plan.feed, rowsRead: result.read, rowsWritten: result.written, rejects: result.rejects,
                    seconds: Date().timeIntervalSince(started), normalizeSeconds: result.cpu)
                report.readByIndex = lane.byIndex
                return report
            }
        }
        guard try connection.tryAdvisoryLock(named: lockName) else { throw TransformError.busy(feed: plan.feed) }
        defer { _ = try? connection.advisoryUnlock(named: lockName) }
        let prepared = try connection.transaction { c -> (Pass, [LaneShare], LaneShare, [ApartPartition], Bool)? in
            guard let pass = try begin(c, full: full) else { return nil }
            let size = try LaneShare.size(plan, c)
            // Few rows changed: one lane reads them through the change index (each lane would read every page).
            let byIndex = try readsByIndex(c, pass, tuples: size.tuples)
            let shares = LaneShare.shares(lanes: byIndex ? 1 : workers, batchSize: batchSize, size: size)
            let single = LaneShare.shares(lanes: 1, batchSize: batchSize, size: size)[0]
            let probe = NormalizeLane(plan: plan, normalizer: normalizer, batchSize: batchSize, slices: 1, share: shares[0], since: pass.since, fresh: pass.fresh)
            return (pass, shares, single, pass.fresh ? [] : try ApartPartition.find(plan, lane: probe, c), byIndex)
        }
        guard let (pass, shares, single, aparts, byIndex) = prepared else { return Report.empty(plan.feed) }
        // The new periods first, in a transaction of their own (the lanes below leave their staged partitions).
        let apart = aparts.isEmpty ? NormalizeLane.Result() : try connection.transaction(isolation: .repeatableRead) { c in
            try buildApart(aparts, c, share: single, runID: runID, normalizer: normalizer)
        }
        let results = LaneResults(count: shares.count)
        let lanes = shares.map {
            var lane = NormalizeLane(
                plan: plan, normalizer: normalizer, batchSize: batchSize, slices: byIndex ? workers : 1, share: $0, since: pass.since,
                fresh: pass.fresh)
            lane.skip = Set(aparts.map(\.staged))
            lane.byIndex = byIndex
            return lane
        }
        DispatchQueue.concurrentPerform(iterations: lanes.count) { k in
            let lane = lanes[k]
            do {
                let c = k == 0 ? connection : try connect()
                defer { if k != 0 { c.close() } }
                results.set(k, .success(try c.transaction(isolation: .repeatableRead) { try lane.run($0, runID: runID) }))
            } catch {
                results.set(k, .failure(error))
            }
        }
        var total = apart
        for (k, result) in results.all().enumerated() {
            switch result {
            case .success(let part): total.add(part)
            case .failure(let error): throw error
            case nil: throw TransformError.laneLost(feed: plan.feed, lane: k)
            }
        }
        try connection.transaction { c in
            try splitDefault(c)
            if pass.fresh { try finishFresh(c) }
            try moveWatermark(c, to: pass.next, runID: runID, wrote: pass.fresh || total.written > 0)
        }
        var report = Report(
            feed: plan.feed, rowsRead: total.read, rowsWritten: total.written, rejects: total.rejects,
            seconds: Date().timeIntervalSince(started), normalizeSeconds: total.cpu)
        report.readByIndex = byIndex
        return report
    }

    /// Fills the new periods `aparts` (inside the caller's transaction): each empty partition made a table of its
    /// own, every row of its staged partition normalised into it on `workers` Dispatch workers, and attached again
    /// (`ApartPartition`), read as one lane's `share`.
    private func buildApart(
        _ aparts: [ApartPartition], _ c: PostgresConnection, share: LaneShare, runID: Int64, normalizer: RecordNormalizer
    ) throws -> NormalizeLane.Result {
        guard !aparts.isEmpty else { return NormalizeLane.Result() }
        for part in aparts { try part.detach(plan, c) }
        var lane = NormalizeLane(plan: plan, normalizer: normalizer, batchSize: batchSize, slices: workers, share: share, since: nil, fresh: true)
        lane.targets = Dictionary(aparts.map { ($0.staged, $0.partition) }, uniquingKeysWith: { first, _ in first })
        let result = try lane.run(c, runID: runID)
        for part in aparts { try part.attach(plan, c) }
        return result
    }

    /// What a pass reads: the rows changed since the watermark (nil for all) and the watermark it moves to.
    struct Pass {
        /// The watermark the pass reads from (nil: everything is read).
        let watermark: Date?
        let next: Date
        /// The clean table was empty: a first build (see `NormalizeLane.fresh`).
        let fresh: Bool

        /// The staged rows changed since the watermark; nil reads all.
        var since: StagingChanges.Since? {
            watermark.map { StagingChanges.since(SQLText.literal(NormalizeStage.timestamp($0))) }
        }
    }

    /// Prepares `core.clean_FEED` and decides what to read; nil when the feed has never been staged.
    private func begin(_ c: PostgresConnection, full: Bool) throws -> Pass? {
        guard try c.query("SELECT to_regclass($1) IS NOT NULL AS present", ["staging.\(plan.feed)"]).first?
            .decode(Bool.self, "present") == true
        else {
            // The clean table exists even before the feed's first load, so that the models reading it build.
            try prepareTable(c)
            return nil
        }
        // A watermark holds only for the plan that wrote it: new normalisers or new columns read everything.
        let state = try c.query("SELECT watermark, plan FROM citypipe.transform_state WHERE feed = $1", [plan.feed]).first
        let current = try state?.decode(String?.self, "plan") == plan.signature
        let watermark = full || !current ? nil : try state?.decode(Date?.self, "watermark")
        let next = try c.query(
            """
            SELECT least(now(), (SELECT min(started_at) FROM citypipe.feed_runs WHERE feed = $1 AND status = 'running')) AS w
            """, [plan.feed]).first?.decode(Date.self, "w") ?? Date()
        // A first build: no clean table, an empty one, or one left without its key by a first build cut off
        // half-way. It is made anew without a key, filled from all of staging whatever the watermark says, and
        // keyed at the end; its old transform rejects go, and so does its watermark, so that a pass cut off
        // half-way is followed by another first build.
        // A clean table cut otherwise than the manifest says (partition_by added or removed) is made anew too.
        let fresh = try c.query(
            """
            SELECT to_regclass($1) IS NULL
                OR NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p')
                OR (SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass($1)) <> $2 AS fresh
            """, [plan.table, plan.partitioning != nil], name: "state of \(plan.table)").first?.decode(Bool.self, "fresh") ?? true
            || c.query("SELECT NOT EXISTS (SELECT 1 FROM \(plan.table)) AS empty", name: "is \(plan.table) empty")
                .first?.decode(Bool.self, "empty") ?? true
        if fresh {
            try c.simpleExecute("DROP TABLE IF EXISTS \(plan.table)", name: "drop \(plan.table)")
            try prepareTable(c, withKey: false)
            try c.query("DELETE FROM citypipe.rejects WHERE feed = $1 AND stage = 'transform'", [plan.feed], name: "clear transform rejects")
            try c.query("DELETE FROM citypipe.transform_state WHERE feed = $1", [plan.feed], name: "clear transform watermark")
        } else {
            try prepareTable(c)
        }
        try cutAsStaging(c)
        try ensureChangeIndex(c)
        return Pass(watermark: fresh ? nil : watermark, next: next, fresh: fresh)
    }

    /// The share of the staged rows under which a pass reads its changed rows through the change index, by one
    /// lane (`NormalizeLane.byIndex`): at 2.6 the 16,380 people of a night's change lay on 1,593 of 95,356 heap pages
    /// and the index's ranges named two thirds of the pages, where two lanes read every page each (3.3 s).
    static let byIndexShare = 0.05

    /// Whether the pass reads through the change index: it reads since a watermark, and the loads finished since
    /// then staged or marked deleted at most `byIndexShare` of the table's `tuples` (`LaneShare.size`). The loads'
    /// own counts (`citypipe.feed_runs`) tell it without reading the table; a row changed otherwise (by hand) is
    /// read either way, only the way differs.
    func readsByIndex(_ c: PostgresConnection, _ pass: Pass, tuples: Double) throws -> Bool {
        guard let watermark = pass.watermark else { return false }
        let changed = try c.query(
            """
            SELECT coalesce(sum(rows_staged + rows_deleted), 0)::float8 AS changed FROM citypipe.feed_runs
            WHERE feed = $1 AND finished_at >= $2
            """, [plan.feed, watermark], name: "changes of staging.\(plan.feed) since the watermark"
        ).first?.decode(Double.self, "changed") ?? 0
        return changed <= Self.byIndexShare * tuples
    }

    /// Makes `staging.FEED`'s index over each row's change moment (`StagingChanges`) when it is missing: once per
    /// table, at its first pass (or the first after an upgrade), one scan of the table. The index serves the passes
    /// after it, which read only the changed rows: made here rather than by the load, it does not slow the first
    /// load (0.56 s of the 7.3 s that 1.4 million people take to load), and a table never normalised goes without.
    /// A partitioned table's partitions made or attached later get theirs from it. An index of the other method (a
    /// BRIN index on a table not partitioned, made before those had a B-tree) is made again, once.
    private func ensureChangeIndex(_ c: PostgresConnection) throws {
        let index = "staging.\(StagingChanges.indexName(feed: plan.feed))"
        let table = "staging.\(plan.feed)"
        let found = try c.query(
            """
            SELECT (SELECT a.amname::text FROM pg_class AS i JOIN pg_am AS a ON a.oid = i.relam WHERE i.oid = to_regclass($1)) AS method,
                   coalesce((SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass($2)), false) AS partitioned
            """, [index, table], name: "change index of \(table)").first
        let partitioned = try found?.decode(Bool.self, "partitioned") ?? false
        let method = try found?.decode(String?.self, "method")
        // Asked first: `CREATE INDEX IF NOT EXISTS` locks the table against loads before it finds the index there.
        guard method != StagingChanges.method(partitioned: partitioned) else { return }
        if method != nil { try c.simpleExecute("DROP INDEX \(index)", name: "drop change index of \(table) made with another method") }
        try c.simpleExecute(
            StagingChanges.createIndex(table: table, feed: plan.feed, partitioned: partitioned), name: "make change index of \(table)")
    }

    /// Moves the watermark; when the pass `wrote` rows, also `changed_at` (a change marker: see `ModelChanges`),
    /// from which the table models reading `core.clean_FEED` know to rebuild.
    private func moveWatermark(_ c: PostgresConnection, to next: Date, runID: Int64, wrote: Bool) throws {
        let mark: String? = wrote ? try ModelChanges.writerMark(c, writing: plan.table) : nil
        try c.query(
            """
            INSERT INTO citypipe.transform_state (feed, watermark, last_run_id, updated_at, plan, changed_at)
            VALUES ($1, $2, $3, now(), $4, coalesce($5::timestamptz, clock_timestamp()))
            ON CONFLICT (feed) DO UPDATE SET watermark = EXCLUDED.watermark, last_run_id = EXCLUDED.last_run_id,
                updated_at = now(), plan = EXCLUDED.plan,
                -- Unknown until now (a state from before 0017): counted as changed now, once.
                changed_at = CASE WHEN $5::timestamptz IS NULL THEN coalesce(citypipe.transform_state.changed_at, clock_timestamp())
                                  ELSE EXCLUDED.changed_at END
            """, [plan.feed, next, runID, plan.signature, mark], name: "move transform watermark")
    }

    /// Creates `core.clean_FEED` (with its primary key, or without it for a first build that adds it at the end)
    /// or adds the columns a manifest gained.
    private func prepareTable(_ c: PostgresConnection, withKey: Bool = true) throws {
        let columns = plan.columns.map { "\($0.name) \($0.sqlType)" }
            + ["_quality text[]", "_hash text", "_deleted_at timestamptz", "_normalized_by text", "_run_id bigint", "_normalized_at timestamptz"]
        let key = withKey ? ", PRIMARY KEY (\(plan.primaryKey.joined(separator: ", ")))" : ""
        let partitioned = plan.partitioning.map { " PARTITION BY RANGE (\($0.field))" } ?? ""
        try c.simpleExecute(
            """
            CREATE TABLE IF NOT EXISTS \(plan.table) (\(columns.joined(separator: ", "))\(key))\(partitioned);
            COMMENT ON TABLE \(plan.table) IS 'staging.\(plan.feed), normalised by the semantics its manifest declares (citypipe transform)';
            """, name: "create \(plan.table)")
        if plan.partitioning != nil {
            try c.simpleExecute(
                "CREATE TABLE IF NOT EXISTS \(plan.table)_default PARTITION OF \(plan.table) DEFAULT",
                name: "default partition of \(plan.table)")
        }
        for column in plan.columns {
            try c.simpleExecute("ALTER TABLE \(plan.table) ADD COLUMN IF NOT EXISTS \(column.name) \(column.sqlType)", name: "add column")
        }
    }

    /// A partitioned clean table gets a partition for each of staging's (its default partition's periods first),
    /// before the pass writes.
    private func cutAsStaging(_ c: PostgresConnection) throws {
        guard plan.partitioning != nil else { return }
        try splitDefault(c)
        try c.query(
            "SELECT citypipe.mirror_partitions(to_regclass($1), $2::regclass) WHERE (SELECT relkind FROM pg_class WHERE oid = to_regclass($1)) = 'p'",
            ["staging.\(plan.feed)", plan.table], name: "partitions of \(plan.table)")
    }

    /// Gives the rows in a partitioned clean table's default partition their period's own partition.
    private func splitDefault(_ c: PostgresConnection) throws {
        guard let partitioning = plan.partitioning else { return }
        try c.query(
            "SELECT citypipe.split_default($1::regclass, $2)", [plan.table, partitioning.interval.rawValue],
            name: "split default partition of \(plan.table)")
    }

    /// The end of a first build: the primary key, built once over all the rows (a sort, instead of an index
    /// insert per row in no particular order), and the statistics the models' plans need.
    ///
    /// A partitioned table is analysed with a smaller sample (`default_statistics_target` 10): ANALYZE samples the
    /// whole table and then each partition in full measure, which is every row of a month's partition, and sorting
    /// those samples under the vi-VN collation took 9.1 s for health_encounters' 0.7 M rows (0.84 s so; 0.54 s for
    /// the same rows unpartitioned at the default target). Autovacuum analyses the partitions again as they change.
    private func finishFresh(_ c: PostgresConnection) throws {
        let sample = plan.partitioning == nil ? "" : "SET LOCAL default_statistics_target = 10; "
        try c.simpleExecute(
            "ALTER TABLE \(plan.table) ADD PRIMARY KEY (\(plan.primaryKey.joined(separator: ", "))); \(sample)ANALYZE \(plan.table)",
            name: "key of \(plan.table)")
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// The outcome of each lane of a pass, filled by the Dispatch workers.
final class LaneResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<NormalizeLane.Result, any Error>?]

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ result: Result<NormalizeLane.Result, any Error>) {
        lock.withLock { results[index] = result }
    }

    func all() -> [Result<NormalizeLane.Result, any Error>?] {
        lock.withLock { results }
    }
}
