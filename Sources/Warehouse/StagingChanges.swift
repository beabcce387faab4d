/// How the rows of `staging.FEED` that changed since a moment are found: the moment a row last changed (loaded,
/// or marked deleted) as one expression, and a BRIN index over it.
///
/// The normaliser reads, each night, the staged rows changed since its watermark. Without an index that read is a
/// scan of every staged row: each month's partition of a feed staged by month, most of which no load touched
/// since (insurance's thirteen months at scale 1 were 2.6 s of a night's server time for no row). A staged table
/// is mostly appended to, in the order of its loads, so a block range index over the change moment (a minimum and
/// a maximum per 128 pages) answers "nothing here since then" for a partition in a few index pages. The index
/// never decides what is read, only what is skipped: a range whose summary is missing or wide is read and its rows
/// checked, as without it.
public enum StagingChanges {
    /// When a staged row last changed: its load, or its marking as deleted, whichever is later.
    public static let changedAt = "greatest(_loaded_at, coalesce(_deleted_at, '-infinity'::timestamptz))"

    /// The condition on the rows changed at or after `since`, a timestamptz literal (quoted). The planner uses the
    /// index only for this expression as written.
    public static func since(_ literal: String) -> String {
        "\(changedAt) >= \(literal)::timestamptz"
    }

    /// The name of the index on `staging.FEED` (in schema `staging`).
    public static func indexName(feed: String) -> String { "\(feed)_changed_at" }

    /// The statement making the index on `table` when it is missing. On a partitioned table it makes one on every
    /// partition, and every partition made or attached later gets its own. `autosummarize` has autovacuum
    /// summarise each range a load fills; a range not yet summarised is always read.
    public static func createIndex(table: String, feed: String) -> String {
        """
        CREATE INDEX IF NOT EXISTS \(indexName(feed: feed)) ON \(table) USING brin ((\(changedAt))) WITH (autosummarize = on)
        """
    }
}
