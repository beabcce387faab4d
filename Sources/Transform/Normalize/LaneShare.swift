import Postgres

/// Which staged rows a lane of a normalise pass takes, and how it pages through them.
///
/// Rows are read in their physical order, a run of heap pages at a time (`ctid` ranges: a TID range scan, the
/// cheapest way through a table; reading in key order by the primary key cost 7 times more server time). With
/// several lanes, each takes the rows whose key hashes to it (`abs(hashtext(key)) % lanes`), so a key belongs
/// to exactly one lane whatever version of its row each lane's snapshot sees.
struct LaneShare: Sendable, Equatable {
    /// This lane, 0-based.
    let lane: Int
    /// How many lanes share the pass.
    let lanes: Int
    /// Heap pages per batch, for about `batchSize` rows of this lane per batch.
    let pagesPerBatch: Int

    /// The shares of `lanes` lanes over `staging.FEED`, with batches sized from its statistics.
    static func shares(_ plan: FeedNormalization, lanes: Int, batchSize: Int, _ c: PostgresConnection) throws -> [LaneShare] {
        shares(lanes: lanes, batchSize: batchSize, size: try size(plan, c))
    }

    /// The shares of `lanes` lanes over a table of `size` (its `size(_:_:)`, read once by a pass for all it decides).
    static func shares(lanes: Int, batchSize: Int, size: (pages: Double, tuples: Double)) -> [LaneShare] {
        let (pages, tuples) = size
        // Without statistics, assume dense pages (small batches rather than big ones).
        let rowsPerPage = pages > 0 && tuples > 0 ? max(1, tuples / pages) : 200
        let perBatch = max(1, Int(Double(batchSize * lanes) / rowsPerPage))
        return (0..<lanes).map { LaneShare(lane: $0, lanes: lanes, pagesPerBatch: perBatch) }
    }

    /// `staging.FEED`'s heap pages and rows by its statistics (0 before any); a partitioned table's are its
    /// partitions'.
    static func size(_ plan: FeedNormalization, _ c: PostgresConnection) throws -> (pages: Double, tuples: Double) {
        let stats = try c.query(
            """
            SELECT coalesce(sum(k.relpages), 0)::float8 AS pages, coalesce(sum(greatest(k.reltuples, 0)), 0)::float8 AS tuples
            FROM pg_class AS k
            WHERE k.oid = $1::regclass AND k.relkind <> 'p'
               OR k.oid IN (SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf)
            """,
            ["staging.\(plan.feed)"], name: "size of staging.\(plan.feed)").first
        return (try stats?.decode(Double.self, "pages") ?? 0, try stats?.decode(Double.self, "tuples") ?? 0)
    }

    /// The condition that keeps this lane's rows (nil for a single lane).
    func condition(_ plan: FeedNormalization) -> String? {
        guard lanes > 1 else { return nil }
        let key = plan.primaryKey.map { "coalesce(\($0)::text, '')" }.joined(separator: " || '|' || ")
        return "abs(hashtext(\(key))::bigint) % \(lanes) = \(lane)"
    }
}
