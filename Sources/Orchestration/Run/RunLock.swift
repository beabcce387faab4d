import Foundation
import Postgres

/// The advisory lock that keeps two runs of one pipeline from overlapping (cron starting tonight's run while
/// last night's still goes). Held by the run's control connection; PostgreSQL drops it if the process dies.
enum RunLock {
    static func name(_ pipeline: String) -> String { "citypipe:run:\(pipeline)" }

    /// Takes the lock, or returns a description of the run that holds it.
    static func acquire(_ connection: PostgresConnection, pipeline: String) throws -> String? {
        if try connection.tryAdvisoryLock(named: name(pipeline)) {
            // Holding it, a run of this pipeline still marked running died without finishing.
            try connection.query(
                """
                UPDATE citypipe.runs SET status = 'aborted', finished_at = clock_timestamp(),
                    error = 'aborted: the process ended before the run finished'
                WHERE pipeline = $1 AND kind = 'run' AND status = 'running'
                """, [pipeline], name: "mark aborted runs")
            return nil
        }
        let holder = try connection.query(
            """
            SELECT run_id, to_char(started_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI:SS') AS started,
                   host, pid
            FROM citypipe.runs WHERE pipeline = $1 AND kind = 'run' AND status = 'running'
            ORDER BY started_at DESC LIMIT 1
            """, [pipeline], name: "find running run").first
        guard let holder else { return "another session holds the lock \(name(pipeline))" }
        let id = try holder.decode(Int64.self, "run_id")
        let started = try holder.decode(String.self, "started")
        let host = try holder.decode(String?.self, "host") ?? "?"
        let pid = try holder.decode(Int?.self, "pid").map(String.init) ?? "?"
        return "run #\(id) of \(pipeline) is in progress (started \(started) ICT on \(host), pid \(pid))"
    }
}
