import Foundation
import Postgres
import Transform

/// Every view the API serves: the SQL models of `Pipelines/models` (their headers: description, unique key,
/// personal columns, suppressed counts) joined with what the database has built (columns and types, the last
/// build, the row estimate). Read at start and again whenever a model build finishes.
public struct ViewCatalog: Sendable {
    public let views: [String: ViewDescriptor]
    /// The newest `citypipe.model_runs` id the catalogue has seen: a newer one means it is stale.
    public let version: Int64

    public var sortedViews: [ViewDescriptor] { views.values.sorted { $0.name < $1.name } }

    public init(views: [String: ViewDescriptor], version: Int64) {
        self.views = views
        self.version = version
    }

    /// The newest model build's id (cheap: one index read).
    static func currentVersion(_ connection: PostgresConnection) throws(PostgresError) -> Int64 {
        try connection.query(
            "SELECT coalesce(max(model_run_id), 0) AS v FROM citypipe.model_runs WHERE status = 'succeeded'",
            name: "catalogue version"
        ).first?.decode(Int64.self, "v") ?? 0
    }

    /// Reads the catalogue for `models`.
    static func load(_ connection: PostgresConnection, models: ModelCatalog) throws(PostgresError) -> ViewCatalog {
        let version = try currentVersion(connection)
        var columns: [String: [ViewColumn]] = [:]
        var estimates: [String: Int64] = [:]
        let rows = try connection.query(
            """
            SELECT n.nspname || '.' || c.relname AS view, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                   t.typname AS type_name, t.typcategory::text AS category, c.reltuples::bigint AS estimate
            FROM pg_class AS c
            JOIN pg_namespace AS n ON n.oid = c.relnamespace
            JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type AS t ON t.oid = a.atttypid
            WHERE n.nspname IN ('core', 'integrated') AND c.relkind IN ('r', 'v', 'm', 'p') AND NOT c.relispartition
            ORDER BY 1, a.attnum
            """, name: "catalogue columns")
        let modelsByName = models.models
        for row in rows {
            let view = try row.decode(String.self, "view")
            guard let model = modelsByName[view] else { continue }
            let name = try row.decode(String.self, "name")
            let personal = model.personal.first { $0.column == name }?.kind
            columns[view, default: []].append(ViewColumn(
                name: name, type: try row.decode(String.self, "type"),
                category: ViewColumn.category(typeName: try row.decode(String.self, "type_name"),
                                              typeCategory: try row.decode(String.self, "category")),
                personal: personal, suppressed: model.suppress.contains(name)))
            estimates[view] = try row.decode(Int64.self, "estimate")
        }
        var builds: [String: ViewDescriptor.Build] = [:]
        for row in try connection.query(
            """
            SELECT DISTINCT ON (model) model, run_id, model_run_id, finished_at FROM citypipe.model_runs
            WHERE status = 'succeeded' AND finished_at IS NOT NULL ORDER BY model, model_run_id DESC
            """, name: "last builds")
        {
            builds[try row.decode(String.self, "model")] = ViewDescriptor.Build(
                runID: try row.decode(Int64.self, "run_id"), modelRunID: try row.decode(Int64.self, "model_run_id"),
                finishedAt: try row.decode(Date.self, "finished_at"))
        }
        var views: [String: ViewDescriptor] = [:]
        for model in modelsByName.values {
            views[model.name] = ViewDescriptor(
                name: model.name, description: model.description, columns: columns[model.name] ?? [],
                uniqueKey: model.uniqueKey, feeds: feeds(of: model.name, in: modelsByName),
                build: builds[model.name], estimatedRows: estimates[model.name] ?? -1, collection: model.collection)
        }
        return ViewCatalog(views: views, version: version)
    }

    /// The feeds a model reads, through the models it reads: every `core.clean_FEED` and `staging.FEED` its SQL
    /// (or its dependencies' SQL) names.
    static func feeds(of name: String, in models: [String: SQLModel]) -> [String] {
        var seen: Set<String> = []
        var feeds: Set<String> = []
        var stack = [name]
        while let current = stack.popLast() {
            guard seen.insert(current).inserted, let model = models[current] else { continue }
            stack += model.dependencies
            for prefix in ["core.clean_", "staging."] {
                var rest = Substring(model.sql)
                while let range = rest.range(of: prefix) {
                    let tail = rest[range.upperBound...]
                    let feed = tail.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                    if !feed.isEmpty { feeds.insert(String(feed)) }
                    rest = tail
                }
            }
        }
        return feeds.sorted()
    }
}
