import Ingest
import Postgres

/// Who holds a feed's backfill lock, in words: the session holding the advisory lock (from `pg_locks`), matched
/// to the backfill run it recorded after it connected, so a run left `running` by a killed process is never
/// named in its place.
enum BackfillLockHolder {
    static func describe(_ connection: PostgresConnection, feed: String) -> String {
        let generic = BackfillError.busy(feed: feed).description
        let rows = try? connection.query(
            """
            SELECT r.run_id, b.backfill_id, r.host, r.pid,
                   to_char(r.started_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI:SS') AS started
            FROM pg_locks l
            JOIN pg_stat_activity a ON a.pid = l.pid
            JOIN citypipe.runs r ON r.pipeline = $2 AND r.kind = 'backfill' AND r.status = 'running'
                AND r.started_at >= a.backend_start
            LEFT JOIN citypipe.backfills b ON b.last_run_id = r.run_id
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
            ORDER BY r.started_at DESC LIMIT 1
            """, [BackfillLedger.lockName(feed), "backfill:\(feed)"], name: "find backfill lock holder")
        guard let row = rows?.first,
              let runID = try? row.decode(Int64.self, "run_id"),
              let started = try? row.decode(String.self, "started")
        else { return generic }
        let backfill = (try? row.decode(Int64?.self, "backfill_id")).flatMap { $0 }.map { "backfill #\($0)" } ?? "a backfill"
        let host = (try? row.decode(String?.self, "host")).flatMap { $0 } ?? "?"
        let pid = (try? row.decode(Int?.self, "pid")).flatMap { $0 }.map(String.init) ?? "?"
        return "\(backfill) of \(feed) is running as run #\(runID) (started \(started) ICT on \(host), pid \(pid)); wait for it or stop it first"
    }
}
