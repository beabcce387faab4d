import Foundation
import Ingest
import Manifest
import Postgres
import Transform

/// The transform step, shared by `citypipe transform` and a pipeline's `transform` step: each feed's staged
/// rows normalised into `core.clean_FEED`, then the SQL models.
public struct TransformStage: Sendable {
    let catalog: ModelCatalog
    let selected: [SQLModel]
    /// Models built at once (1 to 16).
    public let concurrency: Int
    let plans: [FeedNormalization]
    /// Dispatch workers of the normalise phase.
    public let workers: Int
    /// Normalise every staged row again, not only those staged since the watermark.
    public let full: Bool

    /// Reads the models of `directory` and picks `select` (all when empty) and what they read.
    ///
    /// - Parameters:
    ///   - normalize: the manifests of the feeds whose `core.clean_FEED` the models read: each feed's semantics decide
    ///     its normalisers, and a feed without any is copied as staged (its clean table exists before its first
    ///     load all the same, so that the models reading it build). None: only the SQL models.
    /// - Throws: `OrchestrationError.invalid` when the folder is missing, a model is invalid or a selected one
    ///   does not exist.
    public init(
        directory: String, select: [String], concurrency: Int, normalize manifests: [ConnectorManifest] = [], workers: Int = 2,
        full: Bool = false
    ) throws(OrchestrationError) {
        plans = manifests.map(FeedNormalization.init(manifest:))
        self.workers = max(1, workers)
        self.full = full
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw .invalid("no models directory \(directory)")
        }
        do {
            catalog = try ModelCatalog(directory: folder, display: directory)
            selected = try catalog.selection(select)
        } catch {
            throw .invalid(because: error)
        }
        self.concurrency = max(1, min(16, concurrency))
    }

    /// Every valid manifest of `connectors`: their semantics decide the normalisers of the normalise phase.
    ///
    /// - Throws: `OrchestrationError.invalid` listing every problem of an invalid manifest.
    public static func manifests(connectors: String) throws(OrchestrationError) -> [ConnectorManifest] {
        do {
            return try ManifestCatalog(directory: connectors).manifests(named: [])
        } catch {
            throw .invalid(because: error)
        }
    }

    /// The names of the models it builds, in dependency order.
    public var models: [String] { selected.map(\.name) }

    /// Normalises the staged rows of every feed, then builds the selected models; one result per
    /// normalised table and per model (succeeded, failed or skipped). Blocking (libpq, Dispatch workers).
    /// `skipping` names feeds already normalised in this run since their last load (`EarlyNormalize`).
    public func run(runID: Int64, conninfo: String, step: String, log: EventLog, skipping: Set<String> = []) -> [FeedLoadResult] {
        var results = normalizeFeeds(runID: runID, conninfo: conninfo, step: step, log: log, skipping: skipping)
        results += buildModels(runID: runID, conninfo: conninfo, step: step, log: log)
        return results
    }

    /// Normalises one feed's staged rows, on a connection of its own; nil when no model input comes from `feed`, or,
    /// with `unlessFirst`, when its clean table is missing or empty (a first build, left to the transform step).
    func normalize(feed: String, runID: Int64, conninfo: String, step: String, log: EventLog, unlessFirst: Bool = false) -> FeedLoadResult? {
        guard let plan = plans.first(where: { $0.feed == feed }) else { return nil }
        do {
            let connection = try PostgresConnection.connect(conninfo)
            defer { connection.close() }
            if unlessFirst {
                let present = try connection.query("SELECT to_regclass($1) IS NOT NULL AS present", [plan.table], name: "is \(plan.table) there")
                    .first?.decode(Bool.self, "present") ?? false
                guard present, try connection.query("SELECT EXISTS (SELECT 1 FROM \(plan.table)) AS any", name: "is \(plan.table) empty")
                    .first?.decode(Bool.self, "any") == true
                else { return nil }
            }
            return normalize(plan, connection, runID: runID, conninfo: conninfo, step: step, log: log)
        } catch {
            return FeedLoadResult(feed: plan.table, step: step, report: nil, error: String(describing: error), seconds: 0)
        }
    }

    /// Each feed, one after the other (each uses `workers` Dispatch workers).
    private func normalizeFeeds(runID: Int64, conninfo: String, step: String, log: EventLog, skipping: Set<String>) -> [FeedLoadResult] {
        let plans = plans.filter { !skipping.contains($0.feed) }
        guard !plans.isEmpty else { return [] }
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(conninfo)
        } catch {
            return [FeedLoadResult(feed: "normalize", step: step, report: nil, error: String(describing: error), seconds: 0)]
        }
        defer { connection.close() }
        return plans.map { normalize($0, connection, runID: runID, conninfo: conninfo, step: step, log: log) }
    }

    private func normalize(
        _ plan: FeedNormalization, _ connection: PostgresConnection, runID: Int64, conninfo: String, step: String, log: EventLog
    ) -> FeedLoadResult {
        let started = Date()
        do {
            let report = try NormalizeStage(plan: plan, workers: workers).run(
                connection, runID: runID, full: full, connect: { try PostgresConnection.connect(conninfo) })
            log.event(
                "normalize.succeeded",
                [("run_id", runID), ("feed", plan.feed), ("rows_read", report.rowsRead), ("rows_written", report.rowsWritten),
                 ("rejects", report.rejects), ("seconds", (report.seconds * 1000).rounded() / 1000),
                 ("normalize_seconds", (report.normalizeSeconds * 1000).rounded() / 1000), ("by_index", report.readByIndex)],
                human: "\(plan.table): \(report.rowsRead) staged rows read, \(report.rowsWritten) written, \(report.rejects) values rejected in \(String(format: "%.1f", report.seconds)) s")
            return FeedLoadResult(feed: plan.table, step: step, report: nil, error: nil, seconds: report.seconds)
        } catch {
            log.event("normalize.failed", level: "error", [("run_id", runID), ("feed", plan.feed), ("error", String(describing: error))],
                      human: "\(plan.table): FAILED: \(error)")
            return FeedLoadResult(feed: plan.table, step: step, report: nil, error: String(describing: error), seconds: Date().timeIntervalSince(started))
        }
    }

    private func buildModels(runID: Int64, conninfo: String, step: String, log: EventLog) -> [FeedLoadResult] {
        log.event("transform.started", [("run_id", runID), ("models", selected.count)], human: "transform: \(selected.count) models")
        return build(selected, concurrency: concurrency, runID: runID, conninfo: conninfo, step: step, log: log)
    }

    /// The models of the selection, in dependency order, that can be built before the transform step: every
    /// relation each reads (`SQLModel.relationsRead`) is a clean table of `normalised` (normalised in this run),
    /// a `ref.*` table, the model's own table, or a model of `built` or of the list itself; not a view model, nor one
    /// of `attempted`.
    func buildableEarly(normalised: Set<String>, built: Set<String>, attempted: Set<String>) -> [SQLModel] {
        guard !full else { return [] }
        var ready: [SQLModel] = []
        var readyNames: Set<String> = []
        let models = Set(selected.map(\.name))
        var progress = true
        while progress {
            progress = false
            for model in selected where !readyNames.contains(model.name) && !attempted.contains(model.name) && model.materialized != .view {
                let readable = model.relationsRead.allSatisfy { relation in
                    // Its own table (a key list reading the links it made before): no other build writes it.
                    if relation.hasPrefix("ref.") || relation == model.name { return true }
                    if models.contains(relation) { return built.contains(relation) || readyNames.contains(relation) }
                    return ModelChanges.isCleanTable(relation) && normalised.contains(relation)
                }
                if readable {
                    ready.append(model)
                    readyNames.insert(model.name)
                    progress = true
                }
            }
        }
        return ready
    }

    /// Builds `models` (their dependencies among them built first) with `concurrency` builds at once; one result per
    /// model, each logged.
    func build(_ models: [SQLModel], concurrency: Int, runID: Int64, conninfo: String, step: String, log: EventLog) -> [FeedLoadResult] {
        let runner = ModelRunner(catalog: catalog, concurrency: concurrency, full: full) { try PostgresConnection.connect(conninfo) }
        do {
            let outcomes = try runner.run(models, runID: runID) { outcome in
                let rows = outcome.rows.map { outcome.keys == nil ? "\($0) rows" : "\($0) rows changed" } ?? ""
                let how =
                    if outcome.mode == "unchanged" { " (unchanged: nothing it reads changed since its last build)" }
                    else if let keys = outcome.keys { " (incremental: \(keys) keys recomputed)" }
                    else if let reason = outcome.fullReason { " (full: \(reason))" }
                    else { "" }
                log.event(
                    "model.\(outcome.status.rawValue)", level: outcome.status == .succeeded ? "info" : "error",
                    [("run_id", runID), ("model", outcome.model), ("rows", outcome.rows ?? 0), ("seconds", (outcome.seconds * 1000).rounded() / 1000),
                     ("mode", outcome.mode ?? ""), ("keys", outcome.keys ?? 0), ("full_reason", outcome.fullReason ?? ""), ("error", outcome.error ?? "")],
                    human: "\(outcome.model): \(outcome.status.rawValue) \(rows)\(how) in \(String(format: "%.1f", outcome.seconds)) s\(outcome.error.map { " — \($0)" } ?? "")")
            }
            return outcomes.map {
                FeedLoadResult(feed: $0.model, step: step, report: nil, error: $0.status == .succeeded ? nil : ($0.error ?? $0.status.rawValue), seconds: $0.seconds)
            }
        } catch {
            return [FeedLoadResult(feed: "transform", step: step, report: nil, error: String(describing: error), seconds: 0)]
        }
    }
}
