import Foundation
import Postgres

/// `citypipe.backfills` and `citypipe.backfill_partitions`: what a backfill is, and where each window stands.
public enum BackfillLedger {
    /// Where one window stands.
    public struct Partition: Sendable, Equatable {
        public let from: Date
        public let to: Date
        public let status: String
        public let attempts: Int
        public let rowsStaged: Int64

        /// Creates a partition's state.
        public init(from: Date, to: Date, status: String, attempts: Int, rowsStaged: Int64) {
            self.from = from
            self.to = to
            self.status = status
            self.attempts = attempts
            self.rowsStaged = rowsStaged
        }
    }

    /// A backfill's row and its windows.
    public struct Backfill: Sendable {
        public let id: Int64
        public let feed: String
        public let from: Date
        public let to: Date
        public let step: String
        public let status: String
        public let partitions: [Partition]

        /// Creates a backfill's state.
        public init(id: Int64, feed: String, from: Date, to: Date, step: String, status: String, partitions: [Partition]) {
            self.id = id
            self.feed = feed
            self.from = from
            self.to = to
            self.step = step
            self.status = status
            self.partitions = partitions
        }

        /// Windows not yet loaded (pending, running when cut off, or failed), in order.
        public var unfinished: [Partition] { partitions.filter { $0.status != "succeeded" } }
    }

    /// The backfill of `plan`'s exact range and step, if there was one.
    public static func find(_ connection: PostgresConnection, plan: BackfillPlan) throws(PostgresError) -> Backfill? {
        let id = try connection.query(
            "SELECT backfill_id FROM citypipe.backfills WHERE feed = $1 AND range_from = $2 AND range_to = $3 AND step = $4",
            [plan.feed, BackfillPlan.instant(plan.first), BackfillPlan.instant(plan.end), plan.step.rawValue],
            name: "find backfill"
        ).first?.decode(Int64.self, "backfill_id")
        return try id.map { id throws(PostgresError) in try load(connection, id: id) }
    }

    /// The latest backfill of `feed` with unfinished windows.
    public static func latestUnfinished(_ connection: PostgresConnection, feed: String) throws(PostgresError) -> Backfill? {
        let id = try connection.query(
            """
            SELECT b.backfill_id FROM citypipe.backfills AS b
            WHERE b.feed = $1 AND EXISTS (
                SELECT 1 FROM citypipe.backfill_partitions AS p WHERE p.backfill_id = b.backfill_id AND p.status <> 'succeeded')
            ORDER BY b.created_at DESC, b.backfill_id DESC LIMIT 1
            """, [feed], name: "find unfinished backfill"
        ).first?.decode(Int64.self, "backfill_id")
        return try id.map { id throws(PostgresError) in try load(connection, id: id) }
    }

    /// Records a new backfill and its windows (all pending).
    public static func create(_ connection: PostgresConnection, plan: BackfillPlan, runID: Int64) throws -> Backfill {
        try connection.transaction { c in try insert(c, plan: plan, runID: runID) }
    }

    /// Records the backfill of `plan` and its windows (inside the caller's transaction).
    private static func insert(_ c: PostgresConnection, plan: BackfillPlan, runID: Int64) throws -> Backfill {
        guard let id = try c.query(
            """
            INSERT INTO citypipe.backfills (feed, range_from, range_to, step, last_run_id)
            VALUES ($1, $2, $3, $4, $5) RETURNING backfill_id
            """,
            [plan.feed, BackfillPlan.instant(plan.first), BackfillPlan.instant(plan.end), plan.step.rawValue, runID],
            name: "create backfill"
        ).first?.decode(Int64.self, "backfill_id") else {
            throw PostgresError(.server, message: "INSERT … RETURNING gave no backfill id", statement: "create backfill")
        }
        try c.copyIn(
            "COPY citypipe.backfill_partitions (backfill_id, feed, window_from, window_to) FROM STDIN",
            name: "create backfill windows"
        ) { writer in
            for window in plan.windows {
                try writer.append(Int(id))
                try writer.append(plan.feed)
                try writer.append(window.lowerBound)
                try writer.append(window.upperBound)
                try writer.endRow()
            }
        }
        return try load(c, id: id)
    }

    /// A backfill by id.
    public static func load(_ connection: PostgresConnection, id: Int64) throws(PostgresError) -> Backfill {
        guard let row = try connection.query(
            "SELECT feed, range_from, range_to, step, status FROM citypipe.backfills WHERE backfill_id = $1", [id],
            name: "read backfill"
        ).first else {
            throw PostgresError(.server, message: "backfill \(id) does not exist", statement: "read backfill")
        }
        let partitions = try connection.query(
            """
            SELECT window_from, window_to, status, attempts, rows_staged FROM citypipe.backfill_partitions
            WHERE backfill_id = $1 ORDER BY window_from
            """, [id], name: "read backfill windows"
        ).map { row throws(PostgresError) in
            Partition(
                from: try row.decode(Date.self, "window_from"), to: try row.decode(Date.self, "window_to"),
                status: try row.decode(String.self, "status"), attempts: try row.decode(Int.self, "attempts"),
                rowsStaged: try row.decode(Int64.self, "rows_staged"))
        }
        return Backfill(
            id: id, feed: try row.decode(String.self, "feed"), from: try row.decode(Date.self, "range_from"),
            to: try row.decode(Date.self, "range_to"), step: try row.decode(String.self, "step"),
            status: try row.decode(String.self, "status"), partitions: partitions)
    }

    /// Sets `windows` of a backfill back to pending (a `--reprocess`: they are to be loaded again).
    public static func reopen(_ connection: PostgresConnection, backfillID: Int64, windows: [LoadWindow]) throws(PostgresError) {
        try connection.query(
            """
            UPDATE citypipe.backfill_partitions SET status = 'pending', finished_at = NULL, error = NULL
            WHERE backfill_id = $1 AND window_from = ANY ($2::timestamptz[])
            """, [backfillID, "{" + windows.map { "\"\($0.lowerBound)\"" }.joined(separator: ",") + "}"], name: "reopen backfill windows")
    }

    /// Marks a window running (one more attempt), committed at once so that `status` shows it.
    public static func claim(_ connection: PostgresConnection, backfillID: Int64, window: LoadWindow, runID: Int64) throws(PostgresError) {
        try connection.query(
            """
            UPDATE citypipe.backfill_partitions SET status = 'running', attempts = attempts + 1, run_id = $3,
                started_at = clock_timestamp(), finished_at = NULL, error = NULL
            WHERE backfill_id = $1 AND window_from = $2
            """, [backfillID, window.from, runID], name: "claim backfill window")
    }

    /// Marks a window succeeded; called inside the window's load transaction.
    public static func succeed(
        _ connection: PostgresConnection, backfillID: Int64, window: LoadWindow, report: StagingLoad.Report
    ) throws(PostgresError) {
        try connection.query(
            """
            UPDATE citypipe.backfill_partitions SET status = 'succeeded', finished_at = clock_timestamp(), error = NULL,
                rows_in = $3, rows_staged = $4, rows_deleted = $5, rows_rejected = $6, feed_run_id = $7
            WHERE backfill_id = $1 AND window_from = $2
            """,
            [backfillID, window.from, report.rowsIn, report.rowsStaged, report.rowsDeleted, report.rowsRejected, report.feedRunID],
            name: "finish backfill window")
    }

    /// Marks a window failed with the reason (no personal data: errors never carry record values).
    public static func fail(_ connection: PostgresConnection, backfillID: Int64, window: LoadWindow, error: String) throws(PostgresError) {
        try connection.query(
            """
            UPDATE citypipe.backfill_partitions SET status = 'failed', finished_at = clock_timestamp(), error = $3
            WHERE backfill_id = $1 AND window_from = $2
            """, [backfillID, window.from, error], name: "fail backfill window")
    }

    /// Sets the backfill's status (and the run that last worked on it).
    public static func finish(_ connection: PostgresConnection, backfillID: Int64, status: String, runID: Int64) throws(PostgresError) {
        try connection.query(
            "UPDATE citypipe.backfills SET status = $2, last_run_id = $3, updated_at = now() WHERE backfill_id = $1",
            [backfillID, status, runID], name: "finish backfill")
    }

    /// Windows left `running` by a process that died are set back to `failed` (call while holding the
    /// backfill's lock, so none of them can really be running).
    public static func releaseInterrupted(_ connection: PostgresConnection, feed: String) throws(PostgresError) {
        try connection.query(
            """
            UPDATE citypipe.backfill_partitions SET status = 'failed', finished_at = clock_timestamp(),
                error = 'interrupted: the process ended before this window committed; nothing of it was staged'
            WHERE feed = $1 AND status = 'running'
            """, [feed], name: "release interrupted windows")
        try connection.query(
            "UPDATE citypipe.backfills SET status = 'interrupted', updated_at = now() WHERE feed = $1 AND status = 'running'",
            [feed], name: "mark interrupted backfills")
    }

    // MARK: - Workers (`citypipe backfill … --worker`)

    /// The backfill of `plan`, created if no worker has yet: workers starting together agree on one (a
    /// transaction-level lock on the feed's plan serialises the find-or-create).
    public static func findOrCreate(_ connection: PostgresConnection, plan: BackfillPlan, runID: Int64) throws -> Backfill {
        try connection.transaction { c in
            try c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ["citypipe:backfill-plan:\(plan.feed)"], name: "lock backfill plan")
            if let existing = try find(c, plan: plan) { return existing }
            return try insert(c, plan: plan, runID: runID)
        }
    }

    /// Claims the next window no other worker holds: opens a transaction on `claim` and locks the window's row
    /// (`FOR UPDATE SKIP LOCKED`) until `finishClaimed` commits it. A worker that dies loses its transaction, and
    /// with it the row's lock: the window is claimed again by another. Nil when none is left (the transaction is
    /// then closed). Windows that failed `maxAttempts` times are left for an operator.
    public static func claimNext(_ claim: PostgresConnection, backfillID: Int64, maxAttempts: Int) throws(PostgresError) -> Date? {
        try claim.simpleExecute("BEGIN", name: "begin claim")
        let from = try claim.query(
            """
            SELECT window_from FROM citypipe.backfill_partitions
            WHERE backfill_id = $1 AND status <> 'succeeded' AND attempts < $2
            ORDER BY window_from LIMIT 1 FOR UPDATE SKIP LOCKED
            """, [backfillID, maxAttempts], name: "claim backfill window"
        ).first?.decode(Date.self, "window_from")
        if from == nil { try claim.simpleExecute("COMMIT", name: "end claim") }
        return from
    }

    /// Records how a claimed window ended and commits the claim. The window's rows were committed by its own load
    /// transaction just before: a worker dying between the two leaves the window unclaimed and loaded, and the
    /// next worker loads it again, which replaces exactly its rows (window loads are idempotent).
    public static func finishClaimed(
        _ claim: PostgresConnection, backfillID: Int64, from: Date, runID: Int64, report: StagingLoad.Report?, error: String?
    ) throws(PostgresError) {
        try claim.query(
            """
            UPDATE citypipe.backfill_partitions SET status = $3, attempts = attempts + 1, run_id = $4,
                finished_at = clock_timestamp(), error = $5, rows_in = coalesce($6, rows_in), rows_staged = coalesce($7, rows_staged),
                rows_deleted = coalesce($8, rows_deleted), rows_rejected = coalesce($9, rows_rejected), feed_run_id = coalesce($10, feed_run_id)
            WHERE backfill_id = $1 AND window_from = $2
            """,
            [backfillID, from, error == nil ? "succeeded" : "failed", runID, error, report?.rowsIn, report?.rowsStaged,
             report?.rowsDeleted, report?.rowsRejected, report?.feedRunID],
            name: "finish claimed window")
        try claim.simpleExecute("COMMIT", name: "commit claim")
    }

    /// The advisory lock one backfill of `feed` holds while it runs.
    public static func lockName(_ feed: String) -> String { "citypipe:backfill:\(feed)" }
}
