import ArgumentParser
import Foundation
import Ingest
import Manifest
import Postgres
import Transform
import Warehouse

/// `citypipe run [PIPELINE]`: the nightly run that cron starts.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline (default: nightly): ingest its feeds, then its later steps.",
        discussion: """
            Reads Pipelines/PIPELINE.yaml: its steps run in order, the feeds of a step side by side (at most the \
            pipeline's concurrency). One feed's failure does not stop the others. A run of the same pipeline that \
            is still going makes this one exit at once with status 1, doing nothing.
            Cron-safe output: nothing on standard output unless it is a terminal, --summary or --json-log; errors \
            (failed feeds, a run already going) on standard error; --log-file appends JSON lines in every case.
            Exit status: 0 all loaded; 1 nothing ran (another run going, no database, invalid pipeline); \
            2 finished with failed feeds (named on standard error).
            """)

    @Argument(help: "The pipeline: Pipelines/NAME.yaml, or a path to a YAML file.")
    var pipeline: String = "nightly"

    @Option(name: .long, help: "Directory of pipeline files.")
    var pipelines: String = "Pipelines"

    @Option(name: .long, help: "Directory of connector manifests.")
    var connectors: String = "Connectors"

    @Option(name: .long, help: "Directory of SQL models (for transform steps).")
    var models: String = "Pipelines/models"

    @Flag(name: .long, help: "Print a summary table at the end, also when standard output is not a terminal.")
    var summary = false

    @Flag(name: .customLong("json-log"), help: "One JSON object per event on standard output (for journald or a log shipper).")
    var jsonLog = false

    @Option(name: .customLong("log-file"), help: "Append one JSON object per event to this file.")
    var logFile: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let log: EventLog
        let definition: PipelineManifest
        let manifests: [String: ConnectorManifest]
        let conninfo: String
        let control: PostgresConnection
        do {
            log = try EventLog(output: jsonLog ? .jsonLines : (EventLog.isTerminal ? .terminal : .silent), logFile: logFile)
            definition = try PipelineCatalog(pipelines: pipelines, connectors: connectors).pipeline(named: pipeline)
            let loaded = try ManifestCatalog(directory: connectors).manifests(named: definition.feeds)
            manifests = Dictionary(uniqueKeysWithValues: loaded.map { ($0.name, $0) })
            conninfo = try database.target.conninfo(start: true)
            control = try PostgresConnection.connect(conninfo)
        } catch {
            Console.error("run \(pipeline): \(error)")
            throw ExitCode.failure
        }
        defer { control.close() }
        let runID: Int64
        do {
            // The control tables must exist to take the lock and read who holds it (cheap when up to date).
            try Warehouse.migrateSchema(control)
            if let holder = try RunLock.acquire(control, pipeline: definition.name) {
                Console.error("run \(definition.name): \(holder); this one exits without doing anything")
                throw ExitCode.failure
            }
            // Reference data (reloaded when a new build ships a changed file): the nightly run keeps it current
            // after an upgrade; the schema was migrated above.
            _ = try ReferenceLoader().load(control)
            runID = try RunLedger.start(
                control, pipeline: definition.name, kind: .run,
                arguments: JSONB(ManifestCatalog.jsonArray(definition.feeds)))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.error("run \(definition.name): \(error)")
            throw ExitCode.failure
        }
        let started = Date()
        log.event("run.started", [("run_id", runID), ("pipeline", definition.name)], human: "run #\(runID) of \(definition.name)")
        let loader = FeedLoader(connectors: connectors, conninfo: conninfo, log: log, board: FeedProgressBoard(log: log))
        var results: [FeedLoadResult] = []
        var skipped: [String] = []
        var stopping = false
        for step in definition.steps {
            if stopping {
                skipped.append(step.name)
                log.event("step.skipped", level: "warning", [("run_id", runID), ("step", step.name)],
                          human: "\(step.name): skipped (an earlier step failed and says on_failure: stop)")
                continue
            }
            let stepResults: [FeedLoadResult]
            switch step.action {
            case .ingest(let feeds):
                let limit = min(step.concurrency ?? definition.concurrency, definition.concurrency)
                stepResults = await Self.ingest(feeds.compactMap { manifests[$0] }, limit: limit, step: step.name, runID: runID, loader: loader)
            case .transform(let models):
                do {
                    let stage = try TransformStage(
                        directory: self.models, select: models, concurrency: definition.concurrency,
                        normalize: try ManifestCatalog(directory: connectors).manifests(named: []),
                        workers: ProcessInfo.processInfo.activeProcessorCount)
                    stepResults = await Self.onDispatch { stage.run(runID: runID, conninfo: conninfo, step: step.name, log: log) }
                } catch {
                    log.event("step.failed", level: "error", [("run_id", runID), ("step", step.name), ("error", String(describing: error))],
                              human: "\(step.name): FAILED: \(error)")
                    stepResults = [FeedLoadResult(feed: "transform", step: step.name, report: nil, error: String(describing: error), seconds: 0)]
                }
            }
            results += stepResults
            if step.onFailure == .stop && stepResults.contains(where: { !$0.succeeded }) { stopping = true }
        }
        let failed = results.filter { !$0.succeeded }
        let outcome: RunLedger.Outcome = failed.isEmpty ? .succeeded : (failed.count == results.count ? .failed : .partial)
        let errorText = failed.isEmpty ? nil : "failed: \(failed.map(\.feed).joined(separator: ", "))"
            + (skipped.isEmpty ? "" : "; skipped steps: \(skipped.joined(separator: ", "))")
        do {
            try RunLedger.finish(control, runID: runID, outcome: outcome, error: errorText)
        } catch {
            Console.error("run #\(runID): could not record its end: \(error)")
        }
        let seconds = Date().timeIntervalSince(started)
        log.event(
            "run.finished", level: failed.isEmpty ? "info" : "error",
            [("run_id", runID), ("pipeline", definition.name), ("status", outcome.rawValue), ("seconds", (seconds * 10).rounded() / 10),
             ("failed", failed.map(\.feed))],
            human: "run #\(runID) of \(definition.name): \(outcome.rawValue) in \(String(format: "%.1f", seconds)) s")
        if summary || log.interactive {
            Console.print(RunSummary(runID: runID, pipeline: definition.name, outcome: outcome, seconds: seconds, results: results).text)
        }
        if !failed.isEmpty {
            for result in failed { Console.error("run #\(runID): \(result.feed) failed: \(result.error ?? "")") }
            Console.error("run #\(runID) of \(definition.name): \(failed.count) of \(results.count) feeds and models failed: \(failed.map(\.feed).joined(separator: ", "))")
            throw ExitCode(2)
        }
    }

    /// Runs blocking work (libpq, Dispatch workers) off Swift's cooperative pool.
    static func onDispatch<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }

    /// Loads `manifests` side by side, at most `limit` at a time, in the order given.
    static func ingest(
        _ manifests: [ConnectorManifest], limit: Int, step: String, runID: Int64, loader: FeedLoader
    ) async -> [FeedLoadResult] {
        await withTaskGroup(of: (Int, FeedLoadResult).self) { group in
            var next = 0
            func start() {
                let index = next
                let manifest = manifests[index]
                next += 1
                group.addTask { (index, await loader.load(manifest, runID: runID, step: step)) }
            }
            while next < min(max(1, limit), manifests.count) { start() }
            var results: [(Int, FeedLoadResult)] = []
            for await result in group {
                results.append(result)
                if next < manifests.count { start() }
            }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
