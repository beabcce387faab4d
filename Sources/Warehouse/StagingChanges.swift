/// How the rows of `staging.FEED` that changed since a moment are found: the moment a row last changed (loaded,
/// or marked deleted) as one expression, and an index over it (BRIN on a table cut by period, B-tree otherwise).
///
/// The normaliser reads, each night, the staged rows changed since its watermark. Without an index that read is a
/// scan of every staged row: each month's partition of a feed staged by month, most of which no load touched
/// since (insurance's thirteen months at scale 1 were 2.6 s of a night's server time for no row). A staged table
/// is mostly appended to, in the order of its loads, so a block range index over the change moment (a minimum and
/// a maximum per 128 pages) answers "nothing here since then" for a partition in a few index pages. The index
/// never decides what is read, only what is skipped: a range whose summary is missing or wide is read and its rows
/// checked, as without it. The normaliser makes the index at its first pass over a table (`NormalizeStage`).
///
/// A table not cut by period is a snapshot's: its load updates the changed rows in place, each where the table has
/// room, so a night's few changes fall in most block ranges (16,380 people changed at scale 2.6 named 494 of the
/// 745 ranges of `staging.population`, and reading them took 0.78 s of server CPU for 16,895 rows). Its index is
/// a B-tree over the same expression, which names the changed rows themselves.
public enum StagingChanges {
    /// When a staged row last changed: its load, or its marking as deleted, whichever is later.
    public static let changedAt = "greatest(_loaded_at, coalesce(_deleted_at, '-infinity'::timestamptz))"

    /// The rows changed at or after a moment, in the two forms a reader needs.
    public struct Since: Sendable, Equatable {
        /// The condition on the index's expression, for asking whether a table holds any such row: the index
        /// answers it (the planner uses the index only for the expression as written).
        public let indexed: String
        /// The same condition on the columns, for reading a run of pages (`ctid` between two pages: a TID range
        /// scan). Written on the expression, the planner may take the index's bitmap scan for it, which reads
        /// every changed range of the whole table and only then keeps the run's rows: once per run.
        public let scanned: String
    }

    /// The rows changed at or after `literal`, a timestamptz literal (quoted).
    public static func since(_ literal: String) -> Since {
        Since(
            indexed: "\(changedAt) >= \(literal)::timestamptz",
            scanned: "(_loaded_at >= \(literal)::timestamptz OR _deleted_at >= \(literal)::timestamptz)")
    }

    /// The name of the index on `staging.FEED` (in schema `staging`).
    public static func indexName(feed: String) -> String { "\(feed)_changed_at" }

    /// The index method for a table: `brin` when it is cut by period (`partitioned`), `btree` otherwise.
    public static func method(partitioned: Bool) -> String { partitioned ? "brin" : "btree" }

    /// The statement making the index on `table` when it is missing. On a partitioned table it is a BRIN index, made
    /// on every partition, and every partition made or attached later gets its own; `autosummarize` has autovacuum
    /// summarise each range a load fills, and a range not yet summarised is always read. On a table not partitioned
    /// it is a B-tree.
    public static func createIndex(table: String, feed: String, partitioned: Bool) -> String {
        "CREATE INDEX IF NOT EXISTS \(indexName(feed: feed)) ON \(table) USING \(method(partitioned: partitioned)) ((\(changedAt)))"
            + (partitioned ? " WITH (autosummarize = on)" : "")
    }
}
