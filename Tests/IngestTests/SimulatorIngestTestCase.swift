import Foundation
import Postgres
import TestSupport
import XCTest

/// A database test that runs `citypipe ingest` against `citypipe simulate` and compares staging with the
/// simulator's truth files.
class SimulatorIngestTestCase: DatabaseTestCase {
    override var databasePrefix: String { "e2e" }

    override func setUpWithError() throws {
        try XCTSkipUnless(SimulatorProcess.isAvailable, "this build has no citypipe simulate")
        try super.setUpWithError()
    }

    func ingest(_ feeds: [String], _ simulator: SimulatorProcess) throws -> (status: Int32, output: String) {
        try simulator.citypipe(["ingest"] + feeds + ["--connectors", BuiltBinary.connectors.path], databaseURL: database.url)
    }

    func count(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    /// Rows in one table and not the other, both ways.
    func difference(_ staged: String, _ truth: String, columns: String) throws -> Int {
        try count("SELECT count(*) FROM ((SELECT \(columns) FROM \(staged) EXCEPT SELECT \(columns) FROM \(truth)) UNION ALL (SELECT \(columns) FROM \(truth) EXCEPT SELECT \(columns) FROM \(staged))) AS d")
    }

    /// Loads the truth file `name.csv` into `truth_name`.
    func loadTruth(_ name: String, _ simulator: SimulatorProcess, columns: String) throws {
        try TruthFiles.load(simulator.truth.appendingPathComponent("\(name).csv"), into: "truth_\(name)", columns: columns, connection)
    }

    /// Asserts that the rejects of `feed` are as many as the truth's deliberately malformed records of it.
    func assertRejectsMatchTruth(_ feed: String, _ simulator: SimulatorProcess, file: StaticString = #filePath, line: UInt = #line) throws {
        try loadTruth("rejects", simulator, columns: "feed text, position text, key text, field text, reason text")
        let expected = try count("SELECT count(*) FROM truth_rejects WHERE feed = '\(feed)'")
        XCTAssertGreaterThan(expected, 0, "\(feed): the simulator serves some malformed records", file: file, line: line)
        XCTAssertEqual(
            try count("SELECT count(*) FROM citypipe.rejects WHERE feed = '\(feed)'"), expected,
            "\(feed): every malformed record, and only those, rejected", file: file, line: line)
    }
}
