import Postgres

/// Reading a table and its indexes ahead, in order, before a step looks up or writes a share of its rows one key at
/// a time (`citypipe.read_ahead`, migration 0021: pg_prewarm's `prefetch` mode).
///
/// A night touches few rows of big tables: the 16,380 people of a night's change at scale 2.6 are rows of
/// `core.clean_population`, `core.person` and `integrated.citizen_profile` (3.6 million rows each), each looked up by
/// key and written with an entry in every index. When those pages are not cached, each is one read at random
/// (about 16,000 a second on this project's machines, against 3.0 GB/s in order), and the host these machines run
/// on drops file pages idle for a minute: `core.person`'s build took 9.9–30.6 s in such nights, waiting on reads,
/// and 3.5–4.4 s with the table read ahead. The server decides (a sixteenth of the heap's pages at least, half of
/// `effective_cache_size` at most; a table partitioned by period never, its changes falling in few of its months)
/// and the operating system reads while the step goes on; on a server where pg_prewarm is not installed nothing is
/// read ahead and the step runs as before.
public enum ReadAhead {
    /// What a request came to.
    public enum Outcome: Sendable, Equatable {
        /// The table and its indexes were asked for: this many pages.
        case asked(pages: Int)
        /// Not worth it (few rows for the table's size, a table under 1 MB, a partitioned table), too large to stay
        /// cached, or no such table.
        case notNeeded
        /// pg_prewarm is not installed, or cannot prefetch on this platform.
        case unavailable
    }

    /// Asks for `table` and its indexes to be read ahead, when a step is about to touch `rows` of its rows one key at
    /// a time and reading it in order is the cheaper way; inside the caller's transaction, if any.
    @discardableResult
    public static func table(_ table: String, rows: Int, _ connection: PostgresConnection) throws(PostgresError) -> Outcome {
        guard rows > 0 else { return .notNeeded }
        let pages = try connection.query(
            "SELECT citypipe.read_ahead(to_regclass($1), $2::bigint) AS pages", [table, rows], name: "read \(table) ahead"
        ).first?.decode(Int?.self, "pages") ?? nil
        switch pages {
        case .some(let pages) where pages > 0: return .asked(pages: pages)
        case .some(-1): return .unavailable
        default: return .notNeeded
        }
    }
}
