import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// A fresh database, and a scratch folder with a `Connectors/` of local-file feeds and a `Pipelines/` to run
/// them: what `PipelineRun` and `BackfillJob` are started with, in-process.
class OrchestrationTestCase: DatabaseTestCase {
    override var databasePrefix: String { "orchestration" }
    var scratch: URL!

    var connectors: String { scratch.appendingPathComponent("Connectors").path }
    var pipelines: String { scratch.appendingPathComponent("Pipelines").path }

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrateSchema(connection)
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("orchestration-\(UUID().uuidString)")
        for folder in ["Connectors", "Pipelines", "Pipelines/models", "files"] {
            try FileManager.default.createDirectory(at: scratch.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
    }

    override func tearDown() {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
        super.tearDown()
    }

    /// `Connectors/NAME.yaml`: a CSV feed read from `files/FILE` (`code,name,updated_at`), windowed by day.
    func fileFeed(_ name: String, file: String) throws {
        let url = scratch.appendingPathComponent("files").appendingPathComponent(file)
        try """
            name: \(name)
            kind: csv
            request:
              url: file://\(url.path)
            records:
              csv: {delimiter: ",", header: true}
            incremental:
              cursor_field: updated_at
              parameter: updated_since
              format: iso8601
              window:
                start_parameter: updated_since
                end_parameter: updated_before
                step: P1D
            primary_key: [code]
            fields:
              code: {path: code, type: text, required: true}
              name: {path: name, type: text}
              updated_at: {path: updated_at, type: timestamptz}
            """.write(to: scratch.appendingPathComponent("Connectors/\(name).yaml"), atomically: true, encoding: .utf8)
    }

    /// `files/FILE` with `rows` records.
    func csv(_ file: String, rows: Int) throws {
        let lines = ["code,name,updated_at"] + (1...max(1, rows)).map { "C\($0),Xã số \($0),2025-09-0\(1 + $0 % 3)T08:00:00+07:00" }
        try (lines.joined(separator: "\n") + "\n")
            .write(to: scratch.appendingPathComponent("files").appendingPathComponent(file), atomically: true, encoding: .utf8)
    }

    /// `Pipelines/NAME.yaml` with one ingest step over `feeds`.
    func pipeline(_ name: String, feeds: [String]) throws {
        try """
            name: \(name)
            concurrency: 2
            steps:
              - name: load
                ingest: [\(feeds.joined(separator: ", "))]
            """.write(to: scratch.appendingPathComponent("Pipelines/\(name).yaml"), atomically: true, encoding: .utf8)
    }

    func count(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    /// True when no other session holds the advisory lock `name` (taken and released again to find out).
    func isFree(_ name: String) throws -> Bool {
        guard try connection.tryAdvisoryLock(named: name) else { return false }
        _ = try connection.advisoryUnlock(named: name)
        return true
    }
}
