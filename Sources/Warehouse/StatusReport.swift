import Foundation
import Postgres

/// What `citypipe status` shows: per feed its last success, rows staged, lag, the last load and its rejects,
/// backfills running or failed; and the last runs with their durations and outcomes.
public struct StatusReport: Codable, Sendable {
    /// One feed's state.
    public struct Feed: Codable, Sendable {
        public var feed: String
        /// When its last nightly/ingest load committed.
        public var lastSuccessAt: Date?
        /// Seconds between the last success and the report.
        public var lagSeconds: Double?
        /// Rows in `staging.FEED` not marked deleted (nil when the table does not exist yet).
        public var rowsStaged: Int64?
        public var cursor: String?
        /// The most recent load (any status).
        public var lastLoad: Load?
        /// Backfills not finished cleanly.
        public var backfills: [Backfill]
    }

    /// One load of a feed (`citypipe.feed_runs`).
    public struct Load: Codable, Sendable {
        public var runID: Int64
        public var status: String
        public var startedAt: Date
        public var seconds: Double?
        public var rowsIn: Int64
        public var rowsStaged: Int64
        public var rowsRejected: Int64
        public var error: String?
    }

    /// A backfill that is running, failed or was interrupted.
    public struct Backfill: Codable, Sendable {
        public var backfillID: Int64
        public var status: String
        public var from: Date
        public var to: Date
        public var step: String
        public var windows: Int
        public var succeeded: Int
        public var failed: Int
        public var running: Int
    }

    /// One invocation (`citypipe.runs`).
    public struct Run: Codable, Sendable {
        public var runID: Int64
        public var pipeline: String
        public var kind: String
        public var status: String
        public var startedAt: Date
        public var seconds: Double?
        public var error: String?
    }

    /// The transform stage's watermark of one feed.
    public struct Watermark: Codable, Sendable {
        public var feed: String
        public var watermark: Date
        public var runID: Int64?
    }

    /// The last build of one SQL model.
    public struct ModelBuild: Codable, Sendable {
        public var model: String
        public var status: String
        public var runID: Int64
        public var startedAt: Date
        public var seconds: Double?
        public var rows: Int64?
        public var error: String?
    }

    public var generatedAt: Date
    public var feeds: [Feed]
    public var runs: [Run]
    public var watermarks: [Watermark]
    public var models: [ModelBuild]

    /// Reads the report: `feeds` (the connector manifests) plus any feed the control tables know.
    public static func gather(_ connection: PostgresConnection, feeds named: [String], runs limit: Int = 10) throws(PostgresError) -> StatusReport {
        let now = try connection.query("SELECT now() AS now", name: "now").first?.decode(Date.self, "now") ?? Date()
        let known = try connection.query(
            "SELECT feed FROM citypipe.feed_state UNION SELECT feed FROM citypipe.feed_runs UNION SELECT feed FROM citypipe.backfills",
            name: "known feeds"
        ).map { row throws(PostgresError) in try row.decode(String.self, "feed") }
        let names = Array(Set(named).union(known)).sorted()
        var feeds: [Feed] = []
        for name in names {
            let state = try connection.query(
                "SELECT cursor_value, last_success_at FROM citypipe.feed_state WHERE feed = $1", [name], name: "feed state").first
            let lastSuccess = try state?.decode(Date?.self, "last_success_at")
            // Through citypipe.staged_rows (migration 0009), which the API's read-only role may call.
            let rows = try connection.query("SELECT citypipe.staged_rows($1) AS n", [name], name: "count staged")
                .first?.decode(Int64?.self, "n")
            feeds.append(Feed(
                feed: name, lastSuccessAt: lastSuccess, lagSeconds: lastSuccess.map { now.timeIntervalSince($0) },
                rowsStaged: rows, cursor: try state?.decode(String?.self, "cursor_value"),
                lastLoad: try lastLoad(connection, feed: name), backfills: try backfills(connection, feed: name)))
        }
        let runs = try connection.query(
            """
            SELECT run_id, pipeline, kind, status, started_at,
                   extract(epoch FROM (coalesce(finished_at, now()) - started_at))::float8 AS seconds, error
            FROM citypipe.runs ORDER BY started_at DESC, run_id DESC LIMIT $1
            """, [limit], name: "last runs"
        ).map { row throws(PostgresError) in
            Run(
                runID: try row.decode(Int64.self, "run_id"), pipeline: try row.decode(String.self, "pipeline"),
                kind: try row.decode(String.self, "kind"), status: try row.decode(String.self, "status"),
                startedAt: try row.decode(Date.self, "started_at"), seconds: try row.decode(Double?.self, "seconds"),
                error: try row.decode(String?.self, "error"))
        }
        let watermarks = try connection.query(
            "SELECT feed, watermark, last_run_id FROM citypipe.transform_state ORDER BY feed", name: "transform watermarks"
        ).map { row throws(PostgresError) in
            Watermark(feed: try row.decode(String.self, "feed"), watermark: try row.decode(Date.self, "watermark"),
                      runID: try row.decode(Int64?.self, "last_run_id"))
        }
        let models = try connection.query(
            """
            SELECT DISTINCT ON (model) model, status, run_id, started_at,
                   extract(epoch FROM (finished_at - started_at))::float8 AS seconds, rows_built, error
            FROM citypipe.model_runs ORDER BY model, started_at DESC, model_run_id DESC
            """, name: "last model builds"
        ).map { row throws(PostgresError) in
            ModelBuild(
                model: try row.decode(String.self, "model"), status: try row.decode(String.self, "status"),
                runID: try row.decode(Int64.self, "run_id"), startedAt: try row.decode(Date.self, "started_at"),
                seconds: try row.decode(Double?.self, "seconds"), rows: try row.decode(Int64?.self, "rows_built"),
                error: try row.decode(String?.self, "error"))
        }
        return StatusReport(generatedAt: now, feeds: feeds, runs: runs, watermarks: watermarks, models: models)
    }

    private static func lastLoad(_ connection: PostgresConnection, feed: String) throws(PostgresError) -> Load? {
        try connection.query(
            """
            SELECT run_id, status, started_at, extract(epoch FROM duration)::float8 AS seconds, rows_in, rows_staged,
                   rows_rejected, error
            FROM citypipe.feed_runs WHERE feed = $1 ORDER BY started_at DESC, feed_run_id DESC LIMIT 1
            """, [feed], name: "last load"
        ).first.map { row throws(PostgresError) in
            Load(
                runID: try row.decode(Int64.self, "run_id"), status: try row.decode(String.self, "status"),
                startedAt: try row.decode(Date.self, "started_at"), seconds: try row.decode(Double?.self, "seconds"),
                rowsIn: try row.decode(Int64.self, "rows_in"), rowsStaged: try row.decode(Int64.self, "rows_staged"),
                rowsRejected: try row.decode(Int64.self, "rows_rejected"), error: try row.decode(String?.self, "error"))
        }
    }

    private static func backfills(_ connection: PostgresConnection, feed: String) throws(PostgresError) -> [Backfill] {
        var open = try connection.query(
            """
            SELECT b.backfill_id, b.status, b.range_from, b.range_to, b.step, count(p.*) AS windows,
                   count(*) FILTER (WHERE p.status = 'succeeded') AS succeeded,
                   count(*) FILTER (WHERE p.status = 'failed') AS failed,
                   count(*) FILTER (WHERE p.status = 'running') AS running
            FROM citypipe.backfills AS b LEFT JOIN citypipe.backfill_partitions AS p USING (backfill_id)
            WHERE b.feed = $1
            GROUP BY b.backfill_id
            HAVING b.status <> 'succeeded' OR count(*) FILTER (WHERE p.status <> 'succeeded') > 0
            ORDER BY b.backfill_id DESC LIMIT 5
            """, [feed], name: "open backfills"
        ).map { row throws(PostgresError) in
            Backfill(
                backfillID: try row.decode(Int64.self, "backfill_id"), status: try row.decode(String.self, "status"),
                from: try row.decode(Date.self, "range_from"), to: try row.decode(Date.self, "range_to"),
                step: try row.decode(String.self, "step"), windows: try row.decode(Int.self, "windows"),
                succeeded: try row.decode(Int.self, "succeeded"), failed: try row.decode(Int.self, "failed"),
                running: try row.decode(Int.self, "running"))
        }
        // A backfill marked running whose lock nobody holds was cut off (its process died).
        if open.contains(where: { $0.status == "running" }), try !isLockHeld(connection, "citypipe:backfill:\(feed)") {
            for index in open.indices where open[index].status == "running" { open[index].status = "interrupted" }
        }
        return open
    }

    /// Whether some session holds the advisory lock `name` (read from pg_locks; takes nothing).
    static func isLockHeld(_ connection: PostgresConnection, _ name: String) throws(PostgresError) -> Bool {
        try connection.query(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)
            ) AS held
            """, [name], name: "is lock held"
        ).first?.decode(Bool.self, "held") ?? false
    }
}
