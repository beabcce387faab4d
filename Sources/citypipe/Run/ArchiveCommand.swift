import ArgumentParser
import Foundation
import Ingest
import Normalize
import Orchestration
import Postgres
import Warehouse

/// `citypipe archive FEED --before DATE`: old partitions of a period-partitioned feed to archive files; `--restore`
/// puts them back.
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Archive (or restore) the old monthly partitions of a period-partitioned feed.",
        discussion: """
            The feed's manifest declares partition_by (insurance, health_encounters, finance, air_quality). Every \
            partition of staging.FEED and core.clean_FEED whose period ends on or before --before is written to \
            DIR/FEED/ as gzip-compressed COPY text with a JSON sidecar (columns, rows, SHA-256), recorded in \
            citypipe.archives, then detached and dropped, one transaction per partition. No load or transform of \
            the feed may run meanwhile (it is refused, exit 1). --restore checks each file's SHA-256 and puts its \
            rows back (rows staged since, late records of the period, stay). DIR: --directory, else \
            $CITYPIPE_ARCHIVE_DIR, else $CITYPIPE_HOME/archive.
            Exit status: 0 done (or nothing to do: nothing ends before DATE, nothing waits to be restored), 1 an error (nothing \
            of the failing partition dropped).
            """)

    @Argument(help: "The feed (its staging table is partitioned by period).")
    var feed: String

    @Option(name: .long, help: "Archive the periods ending on or before this day, YYYY-MM-DD (or YYYY-MM: its first day).")
    var before: String?

    @Flag(name: .long, help: "Put archived partitions back instead (those of --period, or all).")
    var restore = false

    @Option(name: .long, help: "With --restore: the period to restore, YYYY-MM (or YYYY-MM-DD, its first day).")
    var period: String?

    @Option(name: .long, help: "Directory of the archive files.")
    var directory: String?

    @Flag(name: .customLong("dry-run"), help: "List the partitions that would be archived; change nothing.")
    var dryRun = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if restore {
            guard before == nil else { throw ValidationError("--before archives; --restore restores: give one of them") }
            if let period, ArchiveCommand.day(period) == nil { throw ValidationError("--period must be YYYY-MM or YYYY-MM-DD") }
        } else {
            guard let before else { throw ValidationError("give --before DATE (or --restore)") }
            guard ArchiveCommand.day(before) != nil else { throw ValidationError("--before must be YYYY-MM-DD or YYYY-MM") }
        }
    }

    func run() throws {
        try Console.run {
            let connection = try database.connect()
            defer { connection.close() }
            try Warehouse.migrateSchema(connection)
            if restore {
                let restored: [ArchivedPartition]
                do {
                    restored = try PartitionArchive.restore(connection, feed: feed, period: period.flatMap(ArchiveCommand.day))
                } catch OrchestrationError.nothingToDo(let what) {
                    Console.print("archive \(feed): \(what)")
                    return
                }
                for entry in restored {
                    Console.print("restored \(entry.partition) (\(entry.periodFrom) to \(entry.periodTo)): \(entry.rows) rows from \(entry.file)")
                }
                if restored.isEmpty { Console.print("archive \(feed): nothing archived waits to be restored") }
                return
            }
            let day = ArchiveCommand.day(before ?? "") ?? ""
            if dryRun {
                let candidates = try PartitionArchive.candidates(connection, feed: feed, before: day)
                for entry in candidates {
                    Console.print("would archive \(entry.partition) (\(entry.periodFrom) to \(entry.periodTo)), about \(entry.rows) rows")
                }
                if candidates.isEmpty { Console.print("archive \(feed): no partition ends on or before \(day)") }
                return
            }
            let archived = try PartitionArchive.archive(connection, feed: feed, before: day, directory: archiveDirectory)
            for entry in archived {
                Console.print(
                    entry.file.isEmpty
                        ? "archived \(entry.partition) (\(entry.periodFrom) to \(entry.periodTo)): empty, dropped without a file"
                        : "archived \(entry.partition) (\(entry.periodFrom) to \(entry.periodTo)): \(entry.rows) rows, \(entry.bytes) bytes, \(entry.file)")
            }
            if archived.isEmpty { Console.print("archive \(feed): no partition ends on or before \(day)") }
        }
    }

    /// `--directory`, else `$CITYPIPE_ARCHIVE_DIR`, else `$CITYPIPE_HOME/archive`.
    var archiveDirectory: URL {
        if let directory { return URL(fileURLWithPath: directory, isDirectory: true) }
        let environment = ProcessInfo.processInfo.environment
        if let dir = environment["CITYPIPE_ARCHIVE_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir, isDirectory: true) }
        return EmbeddedCluster.defaultHome(environment: environment).appendingPathComponent("archive", isDirectory: true)
    }

    /// `2024-03` → `2024-03-01`; `2024-03-15` as is; nil for anything else (as `citypipe backfill` reads days).
    static func day(_ text: String) -> String? {
        BackfillPlan.day(text, end: false)?.description
    }
}
