import ArgumentParser
import Foundation
import Ingest
import Manifest
import Postgres
import Warehouse

/// `citypipe backfill FEED --from DATE --to DATE`: re-reads a date range of a feed window by window.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Reload a date range of a feed, window by window (resumable, idempotent).",
        discussion: """
            The range (--from and --to both included, Asia/Ho_Chi_Minh days) is cut into windows recorded in \
            citypipe.backfill_partitions. Each window is one transaction that replaces exactly that window's \
            staged rows (records it no longer sends are marked deleted) and marks the window done. The feed's \
            nightly cursor does not move. Running the same range again: --resume continues from the first \
            unfinished window, --reprocess failed|all loads windows again; without either it refuses to redo or \
            skip work silently. --dry-run lists the windows and their requests and changes nothing.
            Exit status: 0 every window loaded; 1 nothing ran; 2 some windows failed (listed).
            """)

    @Argument(help: "The feed (Connectors/FEED.yaml); its manifest needs incremental.window.")
    var feed: String

    @Option(name: .long, help: "First day of the range, YYYY-MM-DD (or YYYY-MM).")
    var from: String?

    @Option(name: .long, help: "Last day of the range, included, YYYY-MM-DD (or YYYY-MM for its whole month).")
    var to: String?

    @Option(name: .long, help: "Window length: day, week or month (default: the manifest's window step).")
    var step: BackfillPlan.Step?

    @Option(name: .long, help: "Windows loaded at once, each on its own connection.")
    var parallel: Int = 1

    @Flag(name: .long, help: "Continue an interrupted backfill (of this range, or the feed's latest) from its first unfinished window.")
    var resume = false

    @Option(name: .long, help: "Load windows again: failed (failed or cut off) or all.")
    var reprocess: BackfillSelection.Reprocess?

    @Flag(name: .customLong("dry-run"), help: "List the windows and what each would request; change nothing.")
    var dryRun = false

    @Option(name: .long, help: "Directory of connector manifests.")
    var connectors: String = "Connectors"

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (1...32).contains(parallel) else { throw ValidationError("--parallel must be from 1 to 32") }
        if from == nil || to == nil {
            guard resume && from == nil && to == nil else {
                throw ValidationError("give both --from and --to (or only --resume, to continue the feed's latest unfinished backfill)")
            }
        }
    }

    func run() async throws {
        let log = EventLog()
        let manifest: ConnectorManifest
        let conninfo: String
        let control: PostgresConnection
        do {
            manifest = try ManifestCatalog(directory: connectors).manifests(named: [feed])[0]
            conninfo = try database.target.conninfo(start: true)
            control = try PostgresConnection.connect(conninfo)
            try Warehouse.migrateSchema(control)
        } catch {
            Console.error("backfill \(feed): \(error)")
            throw ExitCode.failure
        }
        defer { control.close() }
        let lock = BackfillLedger.lockName(feed)
        let plan: BackfillPlan
        let backfill: BackfillLedger.Backfill?
        let windows: [LoadWindow]
        do {
            guard try control.tryAdvisoryLock(named: lock) else { throw BackfillError.busy(feed: feed) }
            if !dryRun {
                // Holding the feed's backfill lock: windows still marked running were cut off.
                try BackfillLedger.releaseInterrupted(control, feed: feed)
                try StagingLoad.cleanUpAbandoned(control, feed: feed)
            }
            if let from, let to {
                plan = try BackfillPlan(manifest: manifest, from: from, to: to, step: step)
                backfill = try BackfillLedger.find(control, plan: plan)
            } else {
                guard let latest = try BackfillLedger.latestUnfinished(control, feed: feed) else {
                    throw BackfillError.nothingToResume(feed: feed)
                }
                plan = try BackfillPlan(manifest: manifest, recorded: latest)
                backfill = latest
            }
            windows = try BackfillSelection.windows(plan: plan, existing: backfill, resume: resume, reprocess: reprocess)
        } catch {
            _ = try? control.advisoryUnlock(named: lock)
            Console.error("backfill \(feed): \(error)")
            throw ExitCode.failure
        }
        defer { _ = try? control.advisoryUnlock(named: lock) }
        if dryRun {
            Console.print(BackfillDryRun(manifest: manifest, plan: plan, existing: backfill, selected: windows).text)
            return
        }
        if windows.isEmpty {
            log.event("backfill.nothing", [("feed", feed)], human: "backfill \(feed): all \(plan.windows.count) windows already loaded (--reprocess all loads them again)")
            return
        }
        try await load(plan: plan, existing: backfill, windows: windows, manifest: manifest, conninfo: conninfo, control: control, log: log)
    }

    private func load(
        plan: BackfillPlan, existing: BackfillLedger.Backfill?, windows: [LoadWindow], manifest: ConnectorManifest,
        conninfo: String, control: PostgresConnection, log: EventLog
    ) async throws {
        let runID: Int64
        let backfill: BackfillLedger.Backfill
        let resolved: ConnectorManifest
        do {
            resolved = try Placeholders.resolve(
                manifest, file: "\(connectors)/\(feed).yaml", environment: ProcessInfo.processInfo.environment)
            let arguments: [String: Any] = [
                "feed": feed, "from": plan.first.description, "to": plan.last.description,
                "step": plan.step.rawValue, "parallel": parallel, "resume": resume, "reprocess": reprocess?.rawValue ?? "",
            ]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments, options: [.sortedKeys]), as: UTF8.self)
            runID = try RunLedger.start(control, pipeline: "backfill:\(feed)", kind: .backfill, arguments: JSONB(json))
            backfill = try existing ?? BackfillLedger.create(control, plan: plan, runID: runID)
            try BackfillLedger.finish(control, backfillID: backfill.id, status: "running", runID: runID)
        } catch {
            Console.error("backfill \(feed): \(error)")
            throw ExitCode.failure
        }
        log.event(
            "backfill.started", [("feed", feed), ("run_id", runID), ("backfill_id", backfill.id), ("windows", windows.count)],
            human: "backfill #\(backfill.id) of \(feed): \(windows.count) of \(plan.windows.count) windows (\(plan.step.rawValue)), \(parallel) at a time")
        let counter = WindowCounter(total: windows.count)
        let outcomes: [BackfillRunner.WindowOutcome]
        do {
            let connect: @Sendable () throws -> PostgresConnection = { try PostgresConnection.connect(conninfo) }
            outcomes = try await BackfillRunner(manifest: resolved, connect: connect).run(
                backfillID: backfill.id, windows: windows, runID: runID, parallel: parallel
            ) { outcome in
                let done = counter.increment()
                let label = "\(outcome.window.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&"))"
                if let report = outcome.report {
                    log.event(
                        "backfill.window", [("feed", self.feed), ("run_id", runID), ("window_from", outcome.window.lowerBound),
                         ("rows_in", report.rowsIn), ("staged", report.rowsStaged), ("deleted", report.rowsDeleted),
                         ("rejected", report.rowsRejected)],
                        human: "[\(done)/\(windows.count)] \(label): \(report.rowsIn) records, \(report.rowsStaged) staged, \(report.rowsDeleted) deleted")
                } else {
                    log.event(
                        "backfill.window_failed", level: "error",
                        [("feed", self.feed), ("run_id", runID), ("window_from", outcome.window.lowerBound), ("error", outcome.error ?? "")],
                        human: "[\(done)/\(windows.count)] \(label): FAILED: \(outcome.error ?? "")")
                }
            }
        } catch {
            try? RunLedger.finish(control, runID: runID, outcome: .failed, error: String(describing: error))
            try? BackfillLedger.finish(control, backfillID: backfill.id, status: "failed", runID: runID)
            Console.error("backfill \(feed): \(error)")
            throw ExitCode.failure
        }
        let failed = outcomes.filter { $0.error != nil }
        let remaining = try? BackfillLedger.load(control, id: backfill.id).unfinished.count
        let status = failed.isEmpty && remaining == 0 ? "succeeded" : "failed"
        try? BackfillLedger.finish(control, backfillID: backfill.id, status: status, runID: runID)
        try? RunLedger.finish(
            control, runID: runID, outcome: failed.isEmpty ? .succeeded : (failed.count == outcomes.count ? .failed : .partial),
            error: failed.isEmpty ? nil : "\(failed.count) windows failed")
        let staged = outcomes.compactMap(\.report).reduce(0) { $0 + $1.rowsStaged }
        log.event(
            "backfill.finished", level: failed.isEmpty ? "info" : "error",
            [("feed", feed), ("run_id", runID), ("backfill_id", backfill.id), ("windows", outcomes.count), ("failed", failed.count), ("staged", staged)],
            human: "backfill #\(backfill.id) of \(feed): \(outcomes.count - failed.count) of \(outcomes.count) windows loaded, \(staged) rows staged")
        if !failed.isEmpty {
            for outcome in failed { Console.error("backfill \(feed): window \(outcome.window.lowerBound) failed: \(outcome.error ?? "")") }
            Console.error("backfill #\(backfill.id) of \(feed): \(failed.count) windows failed; run again with --reprocess failed")
            throw ExitCode(2)
        }
    }
}

extension BackfillPlan.Step: ExpressibleByArgument {}
extension BackfillSelection.Reprocess: ExpressibleByArgument {}

/// Counts finished windows across the parallel workers.
final class WindowCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    let total: Int

    init(total: Int) {
        self.total = total
    }

    func increment() -> Int {
        lock.withLock {
            done += 1
            return done
        }
    }
}
