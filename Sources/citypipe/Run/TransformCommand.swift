import ArgumentParser
import Foundation
import Ingest
import Manifest
import Postgres
import Transform
import Warehouse

/// `citypipe transform`: builds the SQL models of `Pipelines/models`.
struct TransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Build the SQL models of Pipelines/models (core.*, integrated.*) in dependency order.",
        discussion: """
            Independent models build side by side; each is swapped in atomically, and a model that fails keeps \
            its previous table while the models that read it are skipped. (The normalisation and linkage stage \
            that feeds core.* from staging is being built: see the open transform issue.)
            Exit status: 0 every model built; 1 nothing ran (invalid models, no database); 2 some failed or were skipped.
            """)

    @Option(name: .long, parsing: .upToNextOption, help: "Build only these models (schema.name) and what they read.")
    var select: [String] = []

    @Option(name: .long, help: "Directory of SQL models.")
    var models: String = "Pipelines/models"

    @Option(name: .long, help: "Models built at once.")
    var concurrency: Int = 2

    @Option(name: .long, help: "Dispatch workers of the normalise phase (default: the CPU count): each takes a share of a feed's keys and reads, normalises and merges it on its own database connection.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Normalise every staged row again, not only those staged since the watermark.")
    var full = false

    @Flag(name: .customLong("models-only"), help: "Only build the SQL models.")
    var modelsOnly = false

    @Option(name: .long, help: "Directory of connector manifests (their semantics decide the normalisers).")
    var connectors: String = "Connectors"

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let log = EventLog()
        let conninfo: String
        let connection: PostgresConnection
        let runID: Int64
        let stage: TransformStage
        do {
            stage = try TransformStage(
                directory: models, select: select, concurrency: concurrency,
                normalize: modelsOnly ? [] : try ManifestCatalog(directory: connectors).manifests(named: []), workers: workers, full: full)
            conninfo = try database.target.conninfo(start: true)
            connection = try PostgresConnection.connect(conninfo)
            try Warehouse.migrateSchema(connection)
            runID = try RunLedger.start(connection, pipeline: "transform", kind: .transform)
        } catch {
            Console.error("transform: \(error)")
            throw ExitCode.failure
        }
        defer { connection.close() }
        let results = stage.run(runID: runID, conninfo: conninfo, step: "transform", log: log)
        let failed = results.filter { !$0.succeeded }
        try? RunLedger.finish(
            connection, runID: runID, outcome: failed.isEmpty ? .succeeded : (failed.count == results.count ? .failed : .partial),
            error: failed.isEmpty ? nil : "failed or skipped: \(failed.map(\.feed).joined(separator: ", "))")
        if !failed.isEmpty {
            for result in failed { Console.error("transform: \(result.feed): \(result.error ?? "")") }
            throw ExitCode(2)
        }
    }
}

/// The transform step, shared by `citypipe transform` and a pipeline's `transform` step: each feed's staged
/// rows normalised into `core.clean_FEED`, then the SQL models.
struct TransformStage {
    let catalog: ModelCatalog
    let selected: [SQLModel]
    let concurrency: Int
    let plans: [FeedNormalization]
    let workers: Int
    let full: Bool

    init(directory: String, select: [String], concurrency: Int, normalize manifests: [ConnectorManifest] = [], workers: Int = 2, full: Bool = false) throws {
        plans = manifests.map(FeedNormalization.init(manifest:)).filter(\.hasSemantics)
        self.workers = max(1, workers)
        self.full = full
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw CommandFailure("no models directory \(directory)")
        }
        catalog = try ModelCatalog(directory: folder, display: directory)
        selected = try catalog.selection(select)
        self.concurrency = max(1, min(16, concurrency))
    }

    /// Builds the selected models; one result per model (succeeded, failed or skipped).
    func run(runID: Int64, conninfo: String, step: String, log: EventLog) -> [FeedLoadResult] {
        var results = normalizeFeeds(runID: runID, conninfo: conninfo, step: step, log: log)
        results += buildModels(runID: runID, conninfo: conninfo, step: step, log: log)
        return results
    }

    /// Each feed with semantics, one after the other (each uses `workers` Dispatch workers).
    private func normalizeFeeds(runID: Int64, conninfo: String, step: String, log: EventLog) -> [FeedLoadResult] {
        guard !plans.isEmpty else { return [] }
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(conninfo)
        } catch {
            return [FeedLoadResult(feed: "normalize", step: step, report: nil, error: String(describing: error), seconds: 0)]
        }
        defer { connection.close() }
        return plans.map { plan in
            let started = Date()
            do {
                let report = try NormalizeStage(plan: plan, workers: workers).run(
                    connection, runID: runID, full: full, connect: { try PostgresConnection.connect(conninfo) })
                log.event(
                    "normalize.succeeded",
                    [("run_id", runID), ("feed", plan.feed), ("rows_read", report.rowsRead), ("rows_written", report.rowsWritten),
                     ("rejects", report.rejects), ("seconds", (report.seconds * 1000).rounded() / 1000),
                     ("normalize_seconds", (report.normalizeSeconds * 1000).rounded() / 1000)],
                    human: "\(plan.table): \(report.rowsRead) staged rows read, \(report.rowsWritten) written, \(report.rejects) values rejected in \(String(format: "%.1f", report.seconds)) s")
                return FeedLoadResult(feed: plan.table, step: step, report: nil, error: nil, seconds: report.seconds)
            } catch {
                log.event("normalize.failed", level: "error", [("run_id", runID), ("feed", plan.feed), ("error", String(describing: error))],
                          human: "\(plan.table): FAILED: \(error)")
                return FeedLoadResult(feed: plan.table, step: step, report: nil, error: String(describing: error), seconds: Date().timeIntervalSince(started))
            }
        }
    }

    private func buildModels(runID: Int64, conninfo: String, step: String, log: EventLog) -> [FeedLoadResult] {
        log.event("transform.started", [("run_id", runID), ("models", selected.count)], human: "transform: \(selected.count) models")
        let runner = ModelRunner(catalog: catalog, concurrency: concurrency) { try PostgresConnection.connect(conninfo) }
        do {
            let outcomes = try runner.run(selected, runID: runID) { outcome in
                let rows = outcome.rows.map { "\($0) rows" } ?? ""
                log.event(
                    "model.\(outcome.status.rawValue)", level: outcome.status == .succeeded ? "info" : "error",
                    [("run_id", runID), ("model", outcome.model), ("rows", outcome.rows ?? 0), ("seconds", (outcome.seconds * 1000).rounded() / 1000),
                     ("error", outcome.error ?? "")],
                    human: "\(outcome.model): \(outcome.status.rawValue) \(rows) in \(String(format: "%.1f", outcome.seconds)) s\(outcome.error.map { " — \($0)" } ?? "")")
            }
            return outcomes.map {
                FeedLoadResult(feed: $0.model, step: step, report: nil, error: $0.status == .succeeded ? nil : ($0.error ?? $0.status.rawValue), seconds: $0.seconds)
            }
        } catch {
            return [FeedLoadResult(feed: "transform", step: step, report: nil, error: String(describing: error), seconds: 0)]
        }
    }
}
