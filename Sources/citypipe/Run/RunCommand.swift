import ArgumentParser
import Orchestration

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
        let plan: PipelinePlan
        let conninfo: String
        do {
            log = try EventLog(output: jsonLog ? .jsonLines : (EventLog.isTerminal ? .terminal : .silent), logFile: logFile)
            // The pipeline and its manifests are checked before any database is touched.
            plan = try PipelinePlan(pipeline: pipeline, pipelines: pipelines, connectors: connectors, models: models)
            conninfo = try database.target.conninfo(start: true)
        } catch {
            Console.error("run \(pipeline): \(error)")
            throw ExitCode.failure
        }
        let started: PipelineRun
        do {
            started = try PipelineRun.start(plan, conninfo: conninfo, log: log)
        } catch .busy(let holder) {
            Console.error("run \(plan.name): \(holder); this one exits without doing anything")
            throw ExitCode.failure
        } catch {
            Console.error("run \(plan.name): \(error)")
            throw ExitCode.failure
        }
        let result = await started.execute()
        if let recordError = result.recordError {
            Console.error("run #\(result.runID): could not record its end: \(recordError)")
        }
        if summary || log.interactive {
            Console.print(result.summary)
        }
        let failed = result.failed
        if !failed.isEmpty {
            for failure in failed { Console.error("run #\(result.runID): \(failure.feed) failed: \(failure.error ?? "")") }
            Console.error("run #\(result.runID) of \(result.pipeline): \(failed.count) of \(result.results.count) feeds and models failed: \(failed.map(\.feed).joined(separator: ", "))")
            throw ExitCode(2)
        }
    }
}
