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

    /// Asserts that `staging.population` holds exactly the truth's `population.csv`: the latest version of every
    /// well-formed person, once.
    func assertPopulationEqualsTruth(_ simulator: SimulatorProcess, file: StaticString = #filePath, line: UInt = #line) throws {
        try loadTruth(
            "population", simulator,
            columns: "citizen_id text, full_name text, birth_date text, sex text, phone text, ward_code text, address text, updated_at timestamptz")
        XCTAssertGreaterThan(try count("SELECT count(*) FROM truth_population"), 100, file: file, line: line)
        XCTAssertEqual(
            try difference("staging.population", "truth_population", columns: "citizen_id, full_name, sex, phone, ward_code, address, updated_at"), 0,
            "staging.population equals the truth", file: file, line: line)
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.population"), try count("SELECT count(DISTINCT citizen_id) FROM staging.population"),
            "no person twice", file: file, line: line)
    }

    /// Asserts that the enterprises of `staging.business` not marked deleted are exactly the truth's `business.csv`.
    func assertBusinessEqualsTruth(_ simulator: SimulatorProcess, file: StaticString = #filePath, line: UInt = #line) throws {
        try loadTruth(
            "business", simulator,
            columns: "tax_code text, name text, vsic text, capital numeric, status text, legal_rep_citizen_id text, address text, registered_on text")
        XCTAssertEqual(
            try difference(
                "(SELECT * FROM staging.business WHERE _deleted_at IS NULL) AS s",
                "(SELECT tax_code, name, vsic, capital, status, legal_rep_citizen_id, address, CASE WHEN registered_on ~ '^[0-9]{4}-' THEN registered_on::date ELSE to_date(registered_on, 'DD/MM/YYYY') END AS registered_on FROM truth_business) AS t",
                columns: "tax_code, name, vsic, capital, status, legal_rep_citizen_id, address, registered_on"), 0,
            "staging.business equals the truth", file: file, line: line)
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
