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

    /// Records the start of a run and returns its id.
    public static func start(
        _ connection: PostgresConnection, pipeline: String, kind: Kind, arguments: JSONB = JSONB("{}")
    ) throws(PostgresError) -> Int64 {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let rows = try connection.query(
            """
            INSERT INTO citypipe.runs (pipeline, kind, host, pid, arguments)
            VALUES ($1, $2, $3, $4, $5) RETURNING run_id
            """, [pipeline, kind.rawValue, host, pid, arguments], name: "start run")
        guard let id = try rows.first?.decode(Int64.self, "run_id") else {
            throw PostgresError(.server, message: "INSERT … RETURNING gave no run id", statement: "start run")
        }
        return id
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
