import Foundation
import Ingest
import Manifest
import Postgres
import Warehouse

/// A started backfill of a feed (`citypipe backfill`, or the API): the feed's backfill lock taken, held by the
/// job's own control connection; the range planned; the run and the backfill recorded. `execute()` loads the
/// windows, records the end, releases the lock and closes the connection; a job dropped without `execute()` is
/// recorded as aborted (its backfill as interrupted, to resume) and its connection closed.
public final class BackfillJob: @unchecked Sendable {
    /// Its row in `citypipe.runs`.
    public let runID: Int64
    /// Its row in `citypipe.backfills`.
    public let backfillID: Int64
    /// The feed.
    public let feed: String
    /// Windows this job will load.
    public let windowCount: Int
    /// Windows of the whole range.
    public let rangeWindowCount: Int
    /// Window length.
    public let step: BackfillPlan.Step

    private let manifest: ConnectorManifest
    private let windows: [LoadWindow]
    private let parallel: Int
    /// One of several workers: windows are claimed, the backfill lock is held shared.
    private let worker: Bool
    private let conninfo: String
    private let log: EventLog
    /// Holds the advisory lock `citypipe:backfill:FEED` until the job ends.
    private let control: PostgresConnection
    private let state = NSLock()
    private var execution: Task<BackfillResult, Never>?

    private init(
        runID: Int64, backfillID: Int64, plan: BackfillPlan, windows: [LoadWindow], manifest: ConnectorManifest,
        request: BackfillRequest, log: EventLog, control: PostgresConnection
    ) {
        self.runID = runID
        self.backfillID = backfillID
        feed = request.feed
        windowCount = windows.count
        rangeWindowCount = plan.windows.count
        step = plan.step
        self.manifest = manifest
        self.windows = windows
        parallel = request.parallel
        worker = request.worker
        conninfo = request.conninfo
        self.log = log
        self.control = control
    }

    deinit {
        if execution == nil {
            try? RunLedger.finish(control, runID: runID, outcome: .aborted, error: "aborted: the backfill was started but never executed")
            try? BackfillLedger.finish(control, backfillID: backfillID, status: "interrupted", runID: runID)
            // Released here rather than by the server when it sees the connection close, a moment later.
            BackfillJob.release(control, feed: feed, shared: worker)
        }
    }

    /// The feed's manifest, validated (no database).
    ///
    /// - Throws: `OrchestrationError.invalid` naming an unknown feed (and the feeds there are) or every problem
    ///   of an invalid manifest.
    public static func manifest(feed: String, connectors: String) throws(OrchestrationError) -> ConnectorManifest {
        do {
            guard let manifest = try ManifestCatalog(directory: connectors).manifests(named: [feed]).first else {
                throw OrchestrationError.invalid("no manifest \(connectors)/\(feed).yaml")
            }
            return manifest
        } catch {
            throw .invalid(because: error)
        }
    }

    /// Takes the feed's backfill lock (busy → `OrchestrationError.busy` naming the holder), plans, records;
    /// throws `.nothingToDo` when every window is already loaded, `.invalid` for a bad range. Blocking (libpq).
    public static func start(_ request: BackfillRequest, log: EventLog) throws(OrchestrationError) -> BackfillJob {
        try start(request, manifest: manifest(feed: request.feed, connectors: request.connectors), log: log)
    }

    /// Starts a backfill with the feed's manifest already read (see `manifest(feed:connectors:)`).
    public static func start(_ request: BackfillRequest, manifest: ConnectorManifest, log: EventLog) throws(OrchestrationError) -> BackfillJob {
        let control = try connect(request)
        do {
            // Holding the feed's backfill lock: windows still marked running were cut off.
            let (plan, existing, windows) = try prepare(request, manifest: manifest, control: control, dryRun: false)
            if windows.isEmpty {
                throw OrchestrationError.nothingToDo(
                    "all \(plan.windows.count) windows already loaded (--reprocess all loads them again)")
            }
            let resolved = try Placeholders.resolve(
                manifest, file: "\(request.connectors)/\(request.feed).yaml", environment: ProcessInfo.processInfo.environment)
            let arguments: [String: Any] = [
                "feed": request.feed, "from": plan.first.description, "to": plan.last.description,
                "step": plan.step.rawValue, "parallel": request.parallel, "resume": request.resume,
                "reprocess": request.reprocess?.rawValue ?? "",
            ]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments, options: [.sortedKeys]), as: UTF8.self)
            let runID = try RunLedger.start(
                control, pipeline: "backfill:\(request.feed)", kind: .backfill, arguments: JSONB(json), holdingAliveLock: true)
            let backfill =
                try request.worker
                ? BackfillLedger.findOrCreate(control, plan: plan, runID: runID)
                : existing ?? BackfillLedger.create(control, plan: plan, runID: runID)
            try BackfillLedger.finish(control, backfillID: backfill.id, status: "running", runID: runID)
            // Windows loaded again go back to pending first: a reprocess cut off is then resumed by --resume like
            // any other, instead of leaving the windows it had not reached marked as loaded.
            if request.reprocess != nil, existing != nil {
                try BackfillLedger.reopen(control, backfillID: backfill.id, windows: windows)
            }
            return BackfillJob(
                runID: runID, backfillID: backfill.id, plan: plan, windows: windows, manifest: resolved, request: request, log: log,
                control: control)
        } catch {
            release(control, feed: request.feed, shared: request.worker)
            throw classify(error)
        }
    }

    /// What `citypipe backfill --dry-run` prints: every window of the range, its recorded status, whether a
    /// backfill with these options would load it, and its first request. Takes the lock while it reads (busy →
    /// `.busy`), changes nothing.
    public static func dryRun(_ request: BackfillRequest, manifest given: ConnectorManifest? = nil) throws(OrchestrationError) -> String {
        let manifest: ConnectorManifest
        if let given {
            manifest = given
        } else {
            manifest = try self.manifest(feed: request.feed, connectors: request.connectors)
        }
        let control = try connect(request)
        defer { release(control, feed: request.feed) }
        do {
            let (plan, existing, windows) = try prepare(request, manifest: manifest, control: control, dryRun: true)
            return BackfillDryRun(manifest: manifest, plan: plan, existing: existing, selected: windows).text
        } catch {
            throw classify(error)
        }
    }

    /// Loads the windows (up to `parallel` at once), records the end, releases the lock, closes the control
    /// connection. A window that fails does not stop the others. Called again, returns the first call's result.
    public func execute() async -> BackfillResult {
        let task: Task<BackfillResult, Never> = state.withLock {
            if let execution { return execution }
            let created = Task { await self.perform() }
            execution = created
            return created
        }
        return await task.value
    }

    // MARK: - Steps

    private static func connect(_ request: BackfillRequest) throws(OrchestrationError) -> PostgresConnection {
        if let problem = request.problem { throw .invalid(problem) }
        let control: PostgresConnection
        do {
            control = try PostgresConnection.connect(request.conninfo)
        } catch {
            throw .failed(String(describing: error))
        }
        do {
            try Warehouse.migrateSchema(control)
        } catch {
            control.close()
            throw .failed(String(describing: error))
        }
        return control
    }

    /// Takes the lock and works out the plan, the earlier backfill of the range, and the windows to load.
    private static func prepare(
        _ request: BackfillRequest, manifest: ConnectorManifest, control: PostgresConnection, dryRun: Bool
    ) throws -> (BackfillPlan, BackfillLedger.Backfill?, [LoadWindow]) {
        let feed = request.feed
        // Workers share the feed's backfill lock with each other, not with a single-process backfill.
        let locked =
            request.worker && !dryRun
            ? try control.tryAdvisoryLockShared(named: BackfillLedger.lockName(feed))
            : try control.tryAdvisoryLock(named: BackfillLedger.lockName(feed))
        guard locked else {
            throw OrchestrationError.busy(BackfillLockHolder.describe(control, feed: feed))
        }
        // Backfill runs of this feed whose process is gone (their alive lock is free) are marked aborted.
        if !dryRun { try RunLedger.abortDead(control, kinds: [.backfill], pipeline: "backfill:\(feed)") }
        if !dryRun && !request.worker {
            // Holding the feed's backfill lock: windows still marked running were cut off.
            try BackfillLedger.releaseInterrupted(control, feed: feed)
            _ = try StagingLoad.cleanUpAbandoned(control, feed: feed)
        }
        let plan: BackfillPlan
        let existing: BackfillLedger.Backfill?
        if let from = request.from, let to = request.to {
            plan = try BackfillPlan(manifest: manifest, from: from, to: to, step: request.step)
            existing = try BackfillLedger.find(control, plan: plan)
        } else {
            guard let latest = try BackfillLedger.latestUnfinished(control, feed: feed) else {
                throw BackfillError.nothingToResume(feed: feed)
            }
            plan = try BackfillPlan(manifest: manifest, recorded: latest)
            existing = latest
        }
        // A worker may find the backfill other workers started: it shares the windows they have not loaded.
        let windows = try BackfillSelection.windows(
            plan: plan, existing: existing, resume: request.resume || request.worker, reprocess: request.reprocess)
        return (plan, existing, windows)
    }

    /// Releases the lock (if this session holds it) and closes the connection (closing would release it too).
    private static func release(_ control: PostgresConnection, feed: String, shared: Bool = false) {
        _ = try? shared
            ? control.advisoryUnlockShared(named: BackfillLedger.lockName(feed))
            : control.advisoryUnlock(named: BackfillLedger.lockName(feed))
        control.close()
    }

    /// A range, manifest or option problem is `.invalid`; the database's, `.failed`.
    private static func classify(_ error: any Error) -> OrchestrationError {
        switch error {
        case let error as OrchestrationError: error
        case is PostgresError: .failed(String(describing: error))
        default: .invalid(String(describing: error))
        }
    }

    private func perform() async -> BackfillResult {
        let (feed, runID, backfillID, log, control, windows, worker) = (feed, runID, backfillID, log, control, windows, self.worker)
        let started = Date()
        log.event(
            "backfill.started", [("feed", feed), ("run_id", runID), ("backfill_id", backfillID), ("windows", windows.count)],
            human: "backfill #\(backfillID) of \(feed): \(windows.count) of \(rangeWindowCount) windows (\(step.rawValue)), \(parallel) at a time")
        let counter = WindowCounter(total: windows.count)
        let outcomes: [BackfillRunner.WindowOutcome]
        do {
            let conninfo = conninfo
            let connect: @Sendable () throws -> PostgresConnection = { try PostgresConnection.connect(conninfo) }
            let runner = BackfillRunner(manifest: manifest, connect: connect)
            let report: @Sendable (BackfillRunner.WindowOutcome) -> Void = { outcome in
                let done = counter.increment()
                let label = "\(outcome.window.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&"))"
                if let report = outcome.report {
                    log.event(
                        "backfill.window", [("feed", feed), ("run_id", runID), ("window_from", outcome.window.lowerBound),
                         ("rows_in", report.rowsIn), ("staged", report.rowsStaged), ("deleted", report.rowsDeleted),
                         ("rejected", report.rowsRejected)],
                        human: "[\(done)/\(windows.count)] \(label): \(report.rowsIn) records, \(report.rowsStaged) staged, \(report.rowsDeleted) deleted")
                } else {
                    log.event(
                        "backfill.window_failed", level: "error",
                        [("feed", feed), ("run_id", runID), ("window_from", outcome.window.lowerBound), ("error", outcome.error ?? "")],
                        human: "[\(done)/\(windows.count)] \(label): FAILED: \(outcome.error ?? "")")
                }
            }
            outcomes =
                try await worker
                ? runner.runAsWorker(backfillID: backfillID, windows: windows, runID: runID, parallel: parallel, onWindow: report)
                : runner.run(backfillID: backfillID, windows: windows, runID: runID, parallel: parallel, onWindow: report)
        } catch {
            let reason = String(describing: error)
            await Blocking.run {
                defer { BackfillJob.release(control, feed: feed, shared: worker) }
                try? RunLedger.finish(control, runID: runID, outcome: .failed, error: reason)
                try? BackfillLedger.finish(control, backfillID: backfillID, status: "failed", runID: runID)
            }
            return BackfillResult(
                runID: runID, backfillID: backfillID, feed: feed, outcome: .failed, windows: [], error: reason,
                seconds: Date().timeIntervalSince(started))
        }
        let failed = outcomes.filter { $0.error != nil }
        let outcome: RunLedger.Outcome = failed.isEmpty ? .succeeded : (failed.count == outcomes.count ? .failed : .partial)
        await Blocking.run {
            defer { BackfillJob.release(control, feed: feed, shared: worker) }
            let remaining = try? BackfillLedger.load(control, id: backfillID).unfinished.count
            // A worker that found nothing more to claim while others still load leaves the backfill running.
            let status = remaining == 0 ? "succeeded" : (worker && failed.isEmpty ? "running" : "failed")
            try? BackfillLedger.finish(control, backfillID: backfillID, status: status, runID: runID)
            try? RunLedger.finish(control, runID: runID, outcome: outcome, error: failed.isEmpty ? nil : "\(failed.count) windows failed")
        }
        let result = BackfillResult(
            runID: runID, backfillID: backfillID, feed: feed, outcome: outcome, windows: outcomes, error: nil,
            seconds: Date().timeIntervalSince(started))
        log.event(
            "backfill.finished", level: failed.isEmpty ? "info" : "error",
            [("feed", feed), ("run_id", runID), ("backfill_id", backfillID), ("windows", outcomes.count), ("failed", failed.count),
             ("staged", result.staged)],
            human: "backfill #\(backfillID) of \(feed): \(outcomes.count - failed.count) of \(outcomes.count) windows loaded, \(result.staged) rows staged")
        return result
    }
}
