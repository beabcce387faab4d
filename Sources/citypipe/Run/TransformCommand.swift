import ArgumentParser
import Foundation
import Orchestration

/// `citypipe transform`: builds the SQL models of `Pipelines/models`.
struct TransformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Normalise the staged rows and build the SQL models of Pipelines/models (core.*, integrated.*) in dependency order.",
        discussion: """
            First normalises what was staged since each feed's watermark into core.clean_FEED (unless \
            --models-only), then builds the models: incremental ones recompute only the keys their inputs' changes \
            touch, table models whose inputs did not change are left as they are. Independent models build side by \
            side; each is swapped in atomically, and a model that fails keeps its previous table while the models \
            that read it are skipped.
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

    @Flag(name: .long, help: "Normalise every staged row again, not only those staged since the watermark, and build every SQL model whole (incremental models from their whole query, table models even when nothing they read changed).")
    var full = false

    @Flag(name: .customLong("models-only"), help: "Only build the SQL models.")
    var modelsOnly = false

    @Option(name: .long, help: "Directory of connector manifests (their semantics decide the normalisers).")
    var connectors: String = "Connectors"

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let log = EventLog()
        let job: TransformJob
        do {
            let stage = try TransformStage(
                directory: models, select: select, concurrency: concurrency,
                normalize: modelsOnly ? [] : try TransformStage.manifests(connectors: connectors), workers: workers, full: full)
            job = try TransformJob.start(stage, conninfo: try database.target.conninfo(start: true), log: log)
        } catch {
            Console.error("transform: \(error)")
            throw ExitCode.failure
        }
        let result = await job.execute()
        if !result.failed.isEmpty {
            for failure in result.failed { Console.error("transform: \(failure.feed): \(failure.error ?? "")") }
            throw ExitCode(2)
        }
    }
}
