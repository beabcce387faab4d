import ArgumentParser
import Ingest
import Manifest
import Orchestration

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

    @Flag(name: .long, help: "Be one of several workers (processes, hosts) sharing this range: each claims windows no other holds; a worker that dies leaves its window to the others.")
    var worker = false

    @Flag(name: .customLong("dry-run"), help: "List the windows and what each would request; change nothing.")
    var dryRun = false

    @Option(name: .long, help: "Directory of connector manifests.")
    var connectors: String = "Connectors"

    @OptionGroup var database: DatabaseOptions

    func request(conninfo: String) -> BackfillRequest {
        BackfillRequest(
            feed: feed, from: from, to: to, step: step, parallel: parallel, resume: resume, reprocess: reprocess, worker: worker,
            connectors: connectors, conninfo: conninfo)
    }

    func validate() throws {
        if let problem = request(conninfo: "").problem { throw ValidationError(problem) }
    }

    func run() async throws {
        let log = EventLog()
        let manifest: ConnectorManifest
        let request: BackfillRequest
        do {
            // The feed's manifest is checked before any database is touched.
            manifest = try BackfillJob.manifest(feed: feed, connectors: connectors)
            request = self.request(conninfo: try database.target.conninfo(start: true))
        } catch {
            Console.error("backfill \(feed): \(error)")
            throw ExitCode.failure
        }
        if dryRun {
            do {
                Console.print(try BackfillJob.dryRun(request, manifest: manifest))
            } catch {
                Console.error("backfill \(feed): \(message(error))")
                throw ExitCode.failure
            }
            return
        }
        let job: BackfillJob
        do {
            job = try BackfillJob.start(request, manifest: manifest, log: log)
        } catch .nothingToDo(let what) {
            log.event("backfill.nothing", [("feed", feed)], human: "backfill \(feed): \(what)")
            return
        } catch {
            Console.error("backfill \(feed): \(message(error))")
            throw ExitCode.failure
        }
        let result = await job.execute()
        if let error = result.error {
            Console.error("backfill \(feed): \(error)")
            throw ExitCode.failure
        }
        let failed = result.failed
        if !failed.isEmpty {
            for outcome in failed { Console.error("backfill \(feed): window \(outcome.window.lowerBound) failed: \(outcome.error ?? "")") }
            Console.error("backfill #\(result.backfillID) of \(feed): \(failed.count) windows failed; run again with --reprocess failed")
            throw ExitCode(2)
        }
    }

    /// What standard error says: a held lock in the words this command has always used.
    private func message(_ error: OrchestrationError) -> String {
        if case .busy = error { return BackfillError.busy(feed: feed).description }
        return error.message
    }
}

extension BackfillPlan.Step: ExpressibleByArgument {}
extension BackfillSelection.Reprocess: ExpressibleByArgument {}
