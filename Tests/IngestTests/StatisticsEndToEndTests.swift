import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `citypipe ingest statistics` against `citypipe simulate`: open-data CSV, a composite key (year, commune).
final class StatisticsEndToEndTests: SimulatorIngestTestCase {
    func testAFullLoadEqualsTheTruthKeyedByYearAndCommune() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 54, scale: 0.01)
        defer { simulator.stop() }
        let run = try ingest(["statistics"], simulator)
        XCTAssertEqual(run.status, 0, run.output)
        try loadTruth(
            "statistics", simulator,
            columns: "year integer, commune_code text, commune_name text, unit_type text, population integer, male integer, female integer, households integer")
        let columns = "year, commune_code, commune_name, unit_type, population, male, female, households"
        XCTAssertEqual(try difference("staging.statistics", "truth_statistics", columns: columns), 0, "staging.statistics equals the truth")
        XCTAssertEqual(try count("SELECT count(DISTINCT year) FROM staging.statistics"), 6)
        // The 2025 figures are the new wards of the province, from the reference data.
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.statistics s WHERE year = 2025 AND NOT EXISTS (SELECT 1 FROM ref.admin_unit_2025 r WHERE r.ward_code = s.commune_code)"), 0)
        try assertRejectsMatchTruth("statistics", simulator)
    }
}
