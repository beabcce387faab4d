import Foundation
import Postgres

/// Writes `citypipe.runs`: one row per `citypipe run | ingest | transform | backfill` invocation.
public enum RunLedger {
    /// What kind of invocation a run is.
    public enum Kind: String, Sendable {
        case run, ingest, transform, backfill
    }

    /// How a run ended.
    public enum Outcome: String, Sendable {
        case succeeded, failed, partial, aborted
    }

    /// Records the start of a run and returns its id. With `holdingAliveLock`, `connection`'s session also takes
    /// the run's alive lock (`aliveLock(_:)`) in the same transaction, so the row is never seen running without
    /// it: keep the connection open for the run's life (the lock goes with the session, also when the process
    /// is killed), and `abortDead` tells this run from a dead one.
    public static func start(
        _ connection: PostgresConnection, pipeline: String, kind: Kind, arguments: JSONB = JSONB("{}"),
        holdingAliveLock: Bool = false
    ) throws(PostgresError) -> Int64 {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let wrap = holdingAliveLock && !connection.isInTransaction
        if wrap { try connection.simpleExecute("BEGIN", name: "begin start run") }
        do throws(PostgresError) {
            let rows = try connection.query(
                """
                INSERT INTO citypipe.runs (pipeline, kind, host, pid, arguments)
                VALUES ($1, $2, $3, $4, $5) RETURNING run_id
                """, [pipeline, kind.rawValue, host, pid, arguments], name: "start run")
            guard let id = try rows.first?.decode(Int64.self, "run_id") else {
                throw PostgresError(.server, message: "INSERT … RETURNING gave no run id", statement: "start run")
            }
            if holdingAliveLock {
                try connection.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [aliveLock(id)], name: "hold run alive lock")
            }
            if wrap { try connection.simpleExecute("COMMIT", name: "commit start run") }
            return id
        } catch {
            if wrap && connection.isHealthy { try? connection.simpleExecute("ROLLBACK", name: "rollback start run") }
            throw error
        }
    }

    /// The session lock a run started `holdingAliveLock` holds while its process lives.
    public static func aliveLock(_ runID: Int64) -> String { "citypipe:run-alive:\(runID)" }

    /// Runs of `kinds` (and of `pipeline`, when given) still marked running whose alive lock nobody holds — their
    /// process is gone: killed, or its connection lost — become aborted. Returns how many.
    @discardableResult
    public static func abortDead(_ connection: PostgresConnection, kinds: [Kind], pipeline: String? = nil) throws(PostgresError) -> Int {
        let running = try connection.query(
            """
            SELECT run_id FROM citypipe.runs
            WHERE status = 'running' AND kind = ANY ($1::text[]) AND ($2::text IS NULL OR pipeline = $2)
            """, ["{" + kinds.map(\.rawValue).joined(separator: ",") + "}", pipeline], name: "find running runs"
        ).map { row throws(PostgresError) in try row.decode(Int64.self, "run_id") }
        var aborted = 0
        for runID in running {
            guard try connection.tryAdvisoryLock(named: aliveLock(runID)) else { continue }
            _ = try connection.advisoryUnlock(named: aliveLock(runID))
            try finish(connection, runID: runID, outcome: .aborted, error: "aborted: the process ended before the run finished")
            aborted += 1
        }
        return aborted
    }

    /// Records how a run ended. `error` must not hold personal data (it never does when built from typed errors).
    public static func finish(
        _ connection: PostgresConnection, runID: Int64, outcome: Outcome, error: String? = nil
    ) throws(PostgresError) {
        try connection.query(
            "UPDATE citypipe.runs SET status = $2, finished_at = clock_timestamp(), error = $3 WHERE run_id = $1",
            [runID, outcome.rawValue, error], name: "finish run")
    }
}
