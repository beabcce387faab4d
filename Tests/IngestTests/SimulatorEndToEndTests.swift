import Foundation
import Ingest
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `citypipe ingest` of the three feeds against `citypipe simulate`, compared with the simulator's truth.
final class SimulatorEndToEndTests: SimulatorIngestTestCase {
    func testAFullLoadEqualsTheTruthAndASecondRunAddsNothing() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 11, scale: 0.01)
        defer { simulator.stop() }
        XCTAssertNotNil(simulator.exports["CITYPIPE_POPULATION_URL"])
        let first = try ingest(["population", "business", "insurance"], simulator)
        XCTAssertEqual(first.status, 0, first.output)
        try assertPopulationEqualsTruth(simulator)
        try assertBusinessEqualsTruth(simulator)
        try TruthFiles.load(
            simulator.truth.appendingPathComponent("insurance.csv"), into: "truth_insurance",
            columns: "citizen_id text, insurance_code text, employer_tax_code text, scheme text, period text", connection)
        XCTAssertEqual(
            try difference(
                "(SELECT citizen_id, insurance_code, employer_tax_code, scheme, to_char(period, 'YYYY-MM') AS period FROM staging.insurance) AS s",
                "truth_insurance", columns: "citizen_id, insurance_code, employer_tax_code, scheme, period"), 0,
            "staging.insurance equals the truth")
        try TruthFiles.load(
            simulator.truth.appendingPathComponent("rejects.csv"), into: "truth_rejects",
            columns: "feed text, position text, key text, field text, reason text", connection)
        for feed in ["population", "business"] {
            XCTAssertEqual(
                try count("SELECT count(*) FROM citypipe.rejects WHERE feed = '\(feed)'"),
                try count("SELECT count(*) FROM truth_rejects WHERE feed = '\(feed)'"), "\(feed): every malformed record, and only those, rejected")
        }
        let again = try ingest(["population"], simulator)
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(again.output.contains(#""staged":0"#), again.output)
    }

    func testWithFaultsTheResultStillEqualsTheTruth() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 12, scale: 0.01, faults: 0.05)
        defer { simulator.stop() }
        let run = try ingest(["population"], simulator)
        XCTAssertEqual(run.status, 0, run.output)
        try assertPopulationEqualsTruth(simulator)
    }
}
