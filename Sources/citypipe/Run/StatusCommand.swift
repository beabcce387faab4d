import ArgumentParser
import Foundation
import Ingest
import Manifest
import Orchestration
import Postgres
import Warehouse

/// `citypipe status`: what the operator reads in the morning.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Feeds (last success, rows staged, lag, last load and rejects, open backfills) and the last runs.",
        discussion: "A table on a terminal; --json for scripts. Exit status 0, or 1 when the database cannot be read.")

    @Flag(name: .long, help: "One JSON document instead of tables.")
    var json = false

    @Option(name: .long, help: "How many recent runs to list.")
    var runs: Int = 10

    @Option(name: .long, help: "Directory of connector manifests (their feeds are listed even before a first load).")
    var connectors: String = "Connectors"

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Console.run {
            let feeds = (try? ManifestLoader.manifestFiles(in: URL(fileURLWithPath: connectors, isDirectory: true)))?
                .map { $0.deletingPathExtension().lastPathComponent } ?? []
            let connection = try database.connect()
            defer { connection.close() }
            try Warehouse.migrateSchema(connection)
            let report = try StatusReport.gather(connection, feeds: feeds, runs: max(1, runs))
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                Console.print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                Console.print(StatusText(report: report).text)
            }
        }
    }
}

/// The tables of `citypipe status`, times in Asia/Ho_Chi_Minh.
struct StatusText {
    let report: StatusReport

    var text: String {
        var feedRows = [["feed", "last success", "lag", "rows staged", "last load", "in", "rejected", "cursor"]]
        var notes: [String] = []
        for feed in report.feeds {
            let load = feed.lastLoad
            feedRows.append([
                feed.feed, feed.lastSuccessAt.map(StatusText.time) ?? "never", feed.lagSeconds.map(StatusText.duration) ?? "-",
                feed.rowsStaged.map(String.init) ?? "-", load.map { "\($0.status) (run \($0.runID))" } ?? "-",
                load.map { String($0.rowsIn) } ?? "-", load.map { String($0.rowsRejected) } ?? "-", feed.cursor ?? "-",
            ])
            if let load, load.status == "failed", let error = load.error { notes.append("\(feed.feed): last load failed: \(error)") }
            for backfill in feed.backfills {
                notes.append(
                    "\(feed.feed): backfill #\(backfill.backfillID) \(StatusText.day(backfill.from))…\(StatusText.day(backfill.to.addingTimeInterval(-1))) by \(backfill.step): \(backfill.status), \(backfill.succeeded)/\(backfill.windows) windows loaded, \(backfill.failed) failed, \(backfill.running) running"
                        + (backfill.status == "running" ? "" : " (citypipe backfill \(feed.feed) --resume)"))
            }
        }
        var runRows = [["run", "pipeline", "kind", "status", "started", "duration", "error"]]
        for run in report.runs {
            runRows.append([
                String(run.runID), run.pipeline, run.kind, run.status, StatusText.time(run.startedAt),
                run.seconds.map(StatusText.duration) ?? "-", run.error.map { String($0.prefix(80)) } ?? "",
            ])
        }
        var parts = ["Feeds (as of \(StatusText.time(report.generatedAt)) ICT)", TextTable(rows: feedRows, rightAligned: [3, 5, 6]).text]
        if !notes.isEmpty { parts += [""] + notes }
        if !report.models.isEmpty || !report.watermarks.isEmpty {
            var modelRows = [["model", "status", "run", "built", "duration", "rows", "error"]]
            for model in report.models {
                modelRows.append([
                    model.model, model.status, String(model.runID), StatusText.time(model.startedAt),
                    model.seconds.map(StatusText.duration) ?? "-", model.rows.map(String.init) ?? "-",
                    model.error.map { String($0.prefix(60)) } ?? "",
                ])
            }
            let marks = report.watermarks.map { "\($0.feed) \(StatusText.time($0.watermark))" }.joined(separator: ", ")
            parts += ["", "Transform (watermarks: \(marks.isEmpty ? "none yet" : marks))", TextTable(rows: modelRows, rightAligned: [2, 5]).text]
        }
        parts += ["", "Last runs", TextTable(rows: runRows, rightAligned: [0]).text]
        return parts.joined(separator: "\n")
    }

    static func time(_ date: Date) -> String { format(date, "yyyy-MM-dd HH:mm") }
    static func day(_ date: Date) -> String { format(date, "yyyy-MM-dd") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    /// `45 s`, `12 min`, `7 h 12 min`, `3 d 4 h`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return seconds < 10 ? String(format: "%.1f s", seconds) : "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }
}
