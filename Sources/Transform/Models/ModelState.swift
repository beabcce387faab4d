import Foundation
import Postgres

/// `citypipe.model_state`: what each model's last successful build saw, from which an incremental model's next
/// build is decided.
enum ModelState {
    /// How a model was built.
    enum Mode: String, Sendable {
        case full, incremental
    }

    /// What the next build of an incremental model does.
    enum Decision: Equatable {
        /// Rebuild whole, and why.
        case full(String)
        /// Recompute the keys changed after this time (the last build's, `timestamptz` text).
        case incremental(since: String)
    }

    /// Decides, inside the build's transaction, how incremental `model` is built: whole the first time, when its
    /// SQL changed, when its table is missing, or when a model it reads was rebuilt whole (or, for a table model,
    /// changed) since its last build; otherwise incrementally from that build's time.
    static func decide(_ model: SQLModel, _ c: PostgresConnection) throws -> Decision {
        let inputs = model.dependencies.joined(separator: ",")
        guard let row = try c.query(
            """
            SELECT s.materialized, s.sql_hash = md5($2) AS same_sql, s.built_at::text AS built_at,
                   to_regclass($3) IS NOT NULL AS present,
                   (SELECT string_agg(d.model, ', ' ORDER BY d.model) FROM citypipe.model_state AS d
                     WHERE d.model = ANY(string_to_array($4, ',')) AND d.changed_at > s.built_at) AS rebuilt,
                   (SELECT string_agg(x, ', ' ORDER BY x) FROM unnest(string_to_array($4, ',')) AS x
                     WHERE NOT EXISTS (SELECT 1 FROM citypipe.model_state AS d WHERE d.model = x)) AS untracked
            FROM citypipe.model_state AS s WHERE s.model = $1
            """, [model.name, model.definition, "\(model.schema).\(model.table)", inputs], name: "state of \(model.name)").first
        else { return .full("first build") }
        guard try row.decode(String.self, "materialized") == SQLModel.Materialization.incremental.rawValue else {
            return .full("it was a table model")
        }
        guard try row.decode(Bool.self, "same_sql") else { return .full("its SQL changed") }
        guard try row.decode(Bool.self, "present") else { return .full("its table is missing") }
        if let untracked = try row.decode(String?.self, "untracked") {
            return .full("no build of \(untracked) is on record")
        }
        if let rebuilt = try row.decode(String?.self, "rebuilt") {
            return .full("\(rebuilt) rebuilt in full or changed since its last build")
        }
        return .incremental(since: try row.decode(String.self, "built_at"))
    }

    /// Records a successful build of incremental `model` that took its snapshot at `time`.
    static func record(_ model: SQLModel, mode: Mode, time: String, _ c: PostgresConnection) throws {
        try c.query(
            """
            INSERT INTO citypipe.model_state (model, materialized, sql_hash, built_at, changed_at, content_hash, last_mode, last_full_at)
            VALUES ($1, 'incremental', md5($2), $3::timestamptz, $3::timestamptz, NULL, $4, $3::timestamptz)
            ON CONFLICT (model) DO UPDATE SET
                materialized = EXCLUDED.materialized, sql_hash = EXCLUDED.sql_hash, built_at = EXCLUDED.built_at, content_hash = NULL,
                changed_at = CASE WHEN EXCLUDED.last_mode = 'full' THEN EXCLUDED.changed_at ELSE citypipe.model_state.changed_at END,
                last_full_at = CASE WHEN EXCLUDED.last_mode = 'full' THEN EXCLUDED.last_full_at ELSE citypipe.model_state.last_full_at END,
                last_mode = EXCLUDED.last_mode
            """, [model.name, model.definition, time, mode.rawValue], name: "record state of \(model.name)")
    }

    /// The changes of `model` are recorded from `time` on only: the models that read them build whole next.
    static func restartChanges(_ model: SQLModel, time: String, _ c: PostgresConnection) throws {
        try c.query(
            "UPDATE citypipe.model_state SET changed_at = $2::timestamptz WHERE model = $1", [model.name, time],
            name: "restart changes of \(model.name)")
    }

    /// Records a build of table `model`, which an incremental model reads: when its content differs from the
    /// previous build's (an md5 over its rows), the time it changed, so that those models rebuild whole.
    static func recordTable(_ model: SQLModel, _ c: PostgresConnection) throws {
        try c.query(
            """
            WITH h AS (SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS hash FROM \(model.schema).\(model.table) AS t)
            INSERT INTO citypipe.model_state (model, materialized, sql_hash, built_at, changed_at, content_hash, last_mode, last_full_at)
            SELECT $1, 'table', md5($2), clock_timestamp(), clock_timestamp(), h.hash, 'full', clock_timestamp() FROM h
            ON CONFLICT (model) DO UPDATE SET
                materialized = EXCLUDED.materialized, sql_hash = EXCLUDED.sql_hash, built_at = EXCLUDED.built_at,
                changed_at = CASE WHEN citypipe.model_state.content_hash IS DISTINCT FROM EXCLUDED.content_hash
                                  THEN EXCLUDED.changed_at ELSE citypipe.model_state.changed_at END,
                content_hash = EXCLUDED.content_hash, last_mode = 'full', last_full_at = EXCLUDED.last_full_at
            """, [model.name, model.definition], name: "record state of \(model.name)")
    }
}
