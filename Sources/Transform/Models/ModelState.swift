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
    /// SQL changed, when its table is missing, when a model it reads was rebuilt whole (or, for a table model,
    /// changed) since its last build, or when something it reads without `changes()` changed since (a clean table,
    /// the reference data); otherwise incrementally from that build's time.
    static func decide(_ model: SQLModel, _ c: PostgresConnection) throws -> Decision {
        let inputs = model.dependencies.joined(separator: ",")
        let otherFeeds = Self.feeds(model.sources.filter { !model.changeSources.contains($0) })
        let readsReference = model.sources.contains(where: Self.isReference)
        guard let row = try c.query(
            """
            SELECT s.materialized, s.sql_hash = md5($2) AS same_sql, s.built_at::text AS built_at,
                   to_regclass($3) IS NOT NULL AS present,
                   (SELECT string_agg(d.model, ', ' ORDER BY d.model) FROM citypipe.model_state AS d
                     WHERE d.model = ANY(string_to_array($4, ',')) AND d.changed_at > s.built_at) AS rebuilt,
                   (SELECT string_agg(x, ', ' ORDER BY x) FROM unnest(string_to_array($4, ',')) AS x
                     WHERE NOT EXISTS (SELECT 1 FROM citypipe.model_state AS d WHERE d.model = x)) AS untracked,
                   \(Self.sourcesChanged)
            FROM citypipe.model_state AS s WHERE s.model = $1
            """, [model.name, model.definition, "\(model.schema).\(model.table)", inputs, otherFeeds.joined(separator: ","), readsReference],
            name: "state of \(model.name)").first
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
        if let feeds = try row.decode(String?.self, "feeds") {
            return .full("\(feeds), read without changes(), changed since its last build")
        }
        if try row.decode(Bool?.self, "reference") == true { return .full("the reference data changed since its last build") }
        return .incremental(since: try row.decode(String.self, "built_at"))
    }

    /// Records a successful build of incremental `model` that took its snapshot at `time`; `modified` is the
    /// change marker of the rows it wrote (nil: it changed none).
    static func record(_ model: SQLModel, mode: Mode, time: String, modified: String?, _ c: PostgresConnection) throws {
        try c.query(
            """
            INSERT INTO citypipe.model_state (model, materialized, sql_hash, built_at, changed_at, modified_at, content_hash, last_mode, last_full_at)
            VALUES ($1, 'incremental', md5($2), $3::timestamptz, $3::timestamptz, coalesce($5::timestamptz, $3::timestamptz), NULL, $4, $3::timestamptz)
            ON CONFLICT (model) DO UPDATE SET
                materialized = EXCLUDED.materialized, sql_hash = EXCLUDED.sql_hash, built_at = EXCLUDED.built_at, content_hash = NULL,
                changed_at = CASE WHEN EXCLUDED.last_mode = 'full' THEN EXCLUDED.changed_at ELSE citypipe.model_state.changed_at END,
                modified_at = CASE WHEN $5::timestamptz IS NULL THEN citypipe.model_state.modified_at ELSE EXCLUDED.modified_at END,
                last_full_at = CASE WHEN EXCLUDED.last_mode = 'full' THEN EXCLUDED.last_full_at ELSE citypipe.model_state.last_full_at END,
                last_mode = EXCLUDED.last_mode
            """, [model.name, model.definition, time, mode.rawValue, modified], name: "record state of \(model.name)")
    }

    /// The changes of `model` are recorded from `time` on only: the models that read them build whole next.
    static func restartChanges(_ model: SQLModel, time: String, _ c: PostgresConnection) throws {
        try c.query(
            "UPDATE citypipe.model_state SET changed_at = $2::timestamptz WHERE model = $1", [model.name, time],
            name: "restart changes of \(model.name)")
    }

    /// Records a build of table `model` that took its snapshot at `time`, its rows marked `mark`. With
    /// `hashContent` (an incremental model reads it), an md5 over its rows tells whether they changed: when they did
    /// not, the times it last changed stand, and the models reading it need not rebuild.
    static func recordTable(_ model: SQLModel, time: String, mark: String, hashContent: Bool, _ c: PostgresConnection) throws {
        let hash = hashContent ? "(SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \(model.schema).\(model.table) AS t)" : "NULL"
        try c.query(
            """
            INSERT INTO citypipe.model_state (model, materialized, sql_hash, built_at, changed_at, modified_at, content_hash, last_mode, last_full_at)
            VALUES ($1, 'table', md5($2), $3::timestamptz, $4::timestamptz, $4::timestamptz, \(hash), 'full', $3::timestamptz)
            ON CONFLICT (model) DO UPDATE SET
                materialized = EXCLUDED.materialized, sql_hash = EXCLUDED.sql_hash, built_at = EXCLUDED.built_at,
                changed_at = CASE WHEN EXCLUDED.content_hash IS NULL OR citypipe.model_state.content_hash IS DISTINCT FROM EXCLUDED.content_hash
                                  THEN EXCLUDED.changed_at ELSE citypipe.model_state.changed_at END,
                modified_at = CASE WHEN EXCLUDED.content_hash IS NULL OR citypipe.model_state.content_hash IS DISTINCT FROM EXCLUDED.content_hash
                                   THEN EXCLUDED.modified_at ELSE citypipe.model_state.modified_at END,
                content_hash = EXCLUDED.content_hash, last_mode = 'full', last_full_at = EXCLUDED.last_full_at
            """, [model.name, model.definition, time, mark], name: "record state of \(model.name)")
    }

    /// Why table `model` must be rebuilt, or nil when nothing it reads changed since its last build (which then
    /// stands): its SQL is the same, its table is there, it reads neither the clock nor an untracked table, and no
    /// model, clean table or reference table it reads changed after that build.
    static func tableRebuildReason(_ model: SQLModel, catalog: ModelCatalog, _ c: PostgresConnection) throws -> String? {
        if let volatility = model.volatility { return volatility }
        let sources = model.sources.filter { $0 != model.name }
        let models = sources.filter { catalog.models[$0] != nil }
        let feeds = Self.feeds(sources)
        let readsReference = sources.contains(where: Self.isReference)
        let untracked = sources.filter { catalog.models[$0] == nil && !ModelChanges.isCleanTable($0) && !Self.isReference($0) }
        guard untracked.isEmpty else { return "it reads \(untracked.joined(separator: ", ")), whose changes are not tracked" }
        guard let row = try c.query(
            """
            SELECT s.sql_hash = md5($2) AS same_sql, to_regclass($3) IS NOT NULL AS present,
                   (SELECT string_agg(m, ', ' ORDER BY m) FROM unnest(string_to_array($4, ',')) AS m
                     WHERE NOT EXISTS (SELECT 1 FROM citypipe.model_state AS d WHERE d.model = m AND d.modified_at <= s.built_at)) AS models,
                   \(Self.sourcesChanged)
            FROM citypipe.model_state AS s WHERE s.model = $1 AND s.materialized = 'table'
            """, [model.name, model.definition, "\(model.schema).\(model.table)", models.joined(separator: ","), feeds.joined(separator: ","), readsReference],
            name: "inputs of \(model.name)").first
        else { return "no build on record" }
        guard try row.decode(Bool.self, "same_sql") else { return "its SQL changed" }
        guard try row.decode(Bool.self, "present") else { return "its table is missing" }
        if let changed = try row.decode(String?.self, "models") { return "\(changed) changed" }
        if let changed = try row.decode(String?.self, "feeds") { return "\(changed) changed" }
        if try row.decode(Bool?.self, "reference") == true { return "the reference data changed" }
        return nil
    }

    /// Why view `model` must be made again, or nil when the view there is its SQL's.
    static func viewRebuildReason(_ model: SQLModel, _ c: PostgresConnection) throws -> String? {
        guard let row = try c.query(
            """
            SELECT s.sql_hash = md5($2) AS same_sql,
                   coalesce((SELECT relkind = 'v' FROM pg_class WHERE oid = to_regclass($3)), false) AS present
            FROM citypipe.model_state AS s WHERE s.model = $1 AND s.materialized = 'view'
            """, [model.name, model.definition, "\(model.schema).\(model.table)"], name: "state of \(model.name)").first
        else { return "no build on record" }
        guard try row.decode(Bool.self, "same_sql") else { return "its SQL changed" }
        guard try row.decode(Bool.self, "present") else { return "its view is missing" }
        return nil
    }

    /// Records that view `model` was made from its SQL.
    static func recordView(_ model: SQLModel, _ c: PostgresConnection) throws {
        try c.query(
            """
            INSERT INTO citypipe.model_state (model, materialized, sql_hash, built_at, changed_at, modified_at, content_hash, last_mode, last_full_at)
            VALUES ($1, 'view', md5($2), now(), now(), now(), NULL, 'full', now())
            ON CONFLICT (model) DO UPDATE SET
                materialized = EXCLUDED.materialized, sql_hash = EXCLUDED.sql_hash, built_at = EXCLUDED.built_at, changed_at = EXCLUDED.changed_at,
                modified_at = EXCLUDED.modified_at, content_hash = NULL, last_mode = 'full', last_full_at = EXCLUDED.last_full_at
            """, [model.name, model.definition], name: "record state of \(model.name)")
    }

    /// The feeds of the clean tables (`core.clean_FEED`) among `sources`.
    private static func feeds(_ sources: [String]) -> [String] {
        sources.filter(ModelChanges.isCleanTable).map { String($0.dropFirst("core.clean_".count)) }
    }

    /// A reference table (`ref.*`): it changes with a reference-data load or a migration.
    private static func isReference(_ source: String) -> Bool { source.hasPrefix("ref.") }

    /// Columns `feeds` (the clean tables of the feeds listed in $5 that a normalise pass wrote after `s.built_at`,
    /// or null) and `reference` (whether, when $6, the reference data was loaded or migrated after it), for a
    /// query over `citypipe.model_state AS s`.
    private static let sourcesChanged = """
        (SELECT string_agg('core.clean_' || t.feed, ', ' ORDER BY t.feed) FROM citypipe.transform_state AS t
          WHERE t.feed = ANY(string_to_array($5, ',')) AND coalesce(t.changed_at, 'infinity') > s.built_at) AS feeds,
        $6 AND greatest((SELECT max(loaded_at) FROM ref.reference_loads), (SELECT max(applied_at) FROM citypipe.schema_migrations))
               > s.built_at AS reference
        """
}
