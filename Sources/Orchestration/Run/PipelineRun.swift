import Foundation
import Ingest
import Manifest
import Postgres
import Warehouse

/// A started run of a pipeline (`citypipe run`, or the API): the pipeline's lock taken, held by the run's own
/// control connection, and its row in `citypipe.runs` written. `execute()` runs the steps, records the end,
/// releases the lock and closes the connection; a run dropped without `execute()` is recorded as aborted and
/// its connection closed (which releases the lock).
public final class PipelineRun: @unchecked Sendable {
    /// The run's row in `citypipe.runs`.
    public let runID: Int64
    /// The pipeline's name.
    public let pipeline: String

    private let plan: PipelinePlan
    private let conninfo: String
    private let log: EventLog
    /// Holds the advisory lock `citypipe:run:PIPELINE` until the run ends.
    private let control: PostgresConnection
    private let state = NSLock()
    /// The one execution (a second `execute()` waits for it and returns its result).
    private var execution: Task<PipelineRunResult, Never>?

    private init(runID: Int64, plan: PipelinePlan, conninfo: String, log: EventLog, control: PostgresConnection) {
        self.runID = runID
        pipeline = plan.name
        self.plan = plan
        self.conninfo = conninfo
        self.log = log
        self.control = control
    }

    deinit {
        // Started, never executed: nothing ran. Say so in the ledger; closing the connection drops the lock.
        if execution == nil {
            try? RunLedger.finish(control, runID: runID, outcome: .aborted, error: "aborted: the run was started but never executed")
            // Released here rather than by the server when it sees the connection close, a moment later.
            _ = try? control.advisoryUnlock(named: RunLock.name(pipeline))
            control.close()
        }
    }

    /// Loads the pipeline and manifests, connects, migrates the schema, takes the advisory lock
    /// `citypipe:run:NAME` (throws `OrchestrationError.busy(holder)` when held), marks dead runs aborted, loads
    /// reference data, records the run. Blocking (libpq): call it off Swift's cooperative pool.
    public static func start(_ request: PipelineRunRequest, log: EventLog) throws(OrchestrationError) -> PipelineRun {
        try start(PipelinePlan(request), conninfo: request.conninfo, log: log)
    }

    /// Starts a run of a pipeline already read (see `start(_:log:)`).
    ///
    /// - Throws: `OrchestrationError.busy` naming the run that holds the lock (no row is written then);
    ///   `.failed` when the database cannot be reached, migrated or written.
    public static func start(_ plan: PipelinePlan, conninfo given: String, log: EventLog) throws(OrchestrationError) -> PipelineRun {
        let control: PostgresConnection
        let conninfo: String
        do {
            // Every session of the run (loads, passes, model builds) gets the pipeline's `settings`.
            conninfo = try ConninfoSettings.adding(plan.definition.settings.map { ($0.name, $0.value) }, to: given)
            control = try PostgresConnection.connect(conninfo)
        } catch {
            throw .failed(String(describing: error))
        }
        var locked = false
        do {
            // The control tables must exist to take the lock and read who holds it (cheap when up to date).
            try Warehouse.migrateSchema(control)
            if let holder = try RunLock.acquire(control, pipeline: plan.name) {
                throw OrchestrationError.busy(holder)
            }
            locked = true
            // Transforms and backfills whose process is gone are marked aborted too (`citypipe status` shows no
            // run as running that is not).
            try RunLedger.abortDead(control, kinds: [.transform, .backfill])
            // Reference data (reloaded when a new build ships a changed file): the nightly run keeps it current
            // after an upgrade; the schema was migrated above.
            _ = try ReferenceLoader().load(control)
            let runID = try RunLedger.start(
                control, pipeline: plan.name, kind: .run, arguments: JSONB(ManifestCatalog.jsonArray(plan.definition.feeds)))
            return PipelineRun(runID: runID, plan: plan, conninfo: conninfo, log: log, control: control)
        } catch {
            if locked { _ = try? control.advisoryUnlock(named: RunLock.name(plan.name)) }
            control.close()
            throw .failed(because: error)
        }
    }

    /// Runs the steps, records the end, releases the lock, closes the control connection. One feed's failure
    /// does not stop the others; a step that fails stops the later ones only when it says `on_failure: stop`.
    /// Called again, returns the first call's result.
    public func execute() async -> PipelineRunResult {
        let task: Task<PipelineRunResult, Never> = state.withLock {
            if let execution { return execution }
            let created = Task { await self.perform() }
            execution = created
            return created
        }
        return await task.value
    }

    /// The transform step of `models`, with the normalisers of every manifest of the connectors folder.
    private func transformStage(_ models: [String]) throws -> TransformStage {
        try TransformStage(
            directory: plan.models, select: models, concurrency: plan.definition.concurrency,
            normalize: try TransformStage.manifests(connectors: plan.connectors),
            workers: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Feeds normalised as their loads end (`EarlyNormalize`), for the first transform step: when there is one and
    /// no step before it says `on_failure: stop`; nil otherwise (or when that step cannot be read: it fails then,
    /// saying why).
    private func earlyNormalize() -> (stage: TransformStage, normalizer: EarlyNormalize)? {
        let steps = plan.definition.steps
        guard let index = steps.firstIndex(where: { if case .transform = $0.action { true } else { false } }),
              !steps[..<index].contains(where: { $0.onFailure == .stop }),
              case .transform(let models) = steps[index].action,
              let stage = try? transformStage(models)
        else { return nil }
        return (stage, EarlyNormalize(stage: stage, runID: runID, conninfo: conninfo, step: steps[index].name, log: log))
    }

    private func perform() async -> PipelineRunResult {
        let definition = plan.definition
        let runID = runID
        let log = log
        let conninfo = conninfo
        let started = Date()
        log.event("run.started", [("run_id", runID), ("pipeline", definition.name)], human: "run #\(runID) of \(definition.name)")
        let loader = FeedLoader(connectors: plan.connectors, conninfo: conninfo, log: log, board: FeedProgressBoard(log: log))
        var results: [FeedLoadResult] = []
        var skipped: [String] = []
        var stopping = false
        let early = earlyNormalize()
        var reachedTransform = false
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
                let hand = reachedTransform ? nil : early?.normalizer
                stepResults = await SideBySideIngest.load(
                    feeds.compactMap { plan.manifests[$0] }, limit: limit, step: step.name, runID: runID, loader: loader,
                    loaded: { if $0.succeeded { hand?.loaded($0.feed) } })
            case .transform(let models):
                let firstTransform = !reachedTransform
                reachedTransform = true
                do {
                    let stage = try firstTransform ? early?.stage ?? transformStage(models) : transformStage(models)
                    let name = step.name
                    let normalised = firstTransform ? await early?.normalizer.finish() ?? [:] : [:]
                    stepResults = normalised.values.sorted { $0.feed < $1.feed } + (await Blocking.run {
                        stage.run(runID: runID, conninfo: conninfo, step: name, log: log, skipping: Set(normalised.keys))
                    })
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
        let control = control
        let pipeline = pipeline
        let recordError: String? = await Blocking.run {
            defer {
                _ = try? control.advisoryUnlock(named: RunLock.name(pipeline))
                control.close()
            }
            do {
                try RunLedger.finish(control, runID: runID, outcome: outcome, error: errorText)
                return nil
            } catch {
                return String(describing: error)
            }
        }
        let seconds = Date().timeIntervalSince(started)
        log.event(
            "run.finished", level: failed.isEmpty ? "info" : "error",
            [("run_id", runID), ("pipeline", definition.name), ("status", outcome.rawValue), ("seconds", (seconds * 10).rounded() / 10),
             ("failed", failed.map(\.feed))],
            human: "run #\(runID) of \(definition.name): \(outcome.rawValue) in \(String(format: "%.1f", seconds)) s")
        return PipelineRunResult(
            runID: runID, pipeline: definition.name, outcome: outcome, seconds: seconds, results: results, skipped: skipped,
            recordError: recordError)
    }
}
