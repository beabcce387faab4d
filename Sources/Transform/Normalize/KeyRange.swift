import Postgres

/// A slice of a feed's primary-key space, `[lower, upper)` (nil: unbounded), that one lane of the normalise stage
/// reads; the ranges of one pass are disjoint and cover every key.
struct KeyRange: Sendable, Equatable {
    /// The first key of the range (its values as text), nil from the start.
    let lower: [String?]?
    /// The first key after the range, nil to the end.
    let upper: [String?]?

    /// The whole key space.
    static let all = KeyRange(lower: nil, upper: nil)

    /// Cuts the rows of `staging.FEED` to read into at most `lanes` ranges of about equal size, from a sample of
    /// their keys (`TABLESAMPLE SYSTEM`, about 30,000 rows); one range when there are too few rows to share.
    static func split(
        _ plan: FeedNormalization, lanes: Int, since: String?, minimumRows: Int, _ c: PostgresConnection
    ) throws -> [KeyRange] {
        guard lanes > 1 else { return [.all] }
        let size = try c.query(
            """
            SELECT greatest(c.reltuples, coalesce(s.n_live_tup, 0))::float8 AS rows
            FROM pg_class AS c LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
            WHERE c.oid = $1::regclass
            """, ["staging.\(plan.feed)"], name: "size of staging.\(plan.feed)").first?.decode(Double.self, "rows") ?? 0
        guard size >= Double(minimumRows) else { return [.all] }
        let percent = min(100, max(0.01, 30_000 / size * 100))
        let key = plan.primaryKey.map { "\($0)::text" }.joined(separator: ", ")
        var sample: [[String?]] = []
        _ = try c.copyOutRows(
            """
            COPY (SELECT \(key) FROM staging.\(plan.feed) TABLESAMPLE SYSTEM (\(percent))
                  \(since.map { "WHERE \($0)" } ?? "") ORDER BY \(plan.primaryKey.joined(separator: ", "))) TO STDOUT
            """, name: "sample keys of \(plan.feed)") { sample.append($0) }
        // Too few changed rows to be worth sharing (a quiet night): one lane.
        guard Double(sample.count) * 100 / percent >= Double(minimumRows), sample.count >= lanes else { return [.all] }
        var bounds: [[String?]] = []
        for lane in 1..<lanes {
            let cut = sample[sample.count * lane / lanes]
            if bounds.last != cut { bounds.append(cut) }
        }
        var ranges: [KeyRange] = []
        var lower: [String?]? = nil
        for bound in bounds {
            ranges.append(KeyRange(lower: lower, upper: bound))
            lower = bound
        }
        ranges.append(KeyRange(lower: lower, upper: nil))
        return ranges
    }
}
