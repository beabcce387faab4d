import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `citypipe ingest labour` against `citypipe simulate`: REST JSON, Bearer token, pages, a date cursor.
final class LabourEndToEndTests: SimulatorIngestTestCase {
    func testAFullLoadEqualsTheTruthAndTheNextRunAsksFromTheCursor() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 51, scale: 0.01)
        defer { simulator.stop() }
        XCTAssertNotNil(simulator.exports["CITYPIPE_LABOUR_TOKEN"])
        let first = try ingest(["labour"], simulator)
        XCTAssertEqual(first.status, 0, first.output)
        try loadTruth(
            "labour", simulator,
            columns: "claim_id text, kind text, citizen_id text, full_name text, ward_code text, ward_name text, occupation_code text, occupation text, claim_date date, monthly_benefit numeric, benefit_months integer, status text, updated_at timestamptz")
        XCTAssertGreaterThan(try count("SELECT count(*) FROM truth_labour"), 1_000)
        let columns = "claim_id, kind, citizen_id, full_name, ward_code, ward_name, occupation_code, occupation, claim_date, monthly_benefit, benefit_months, status, updated_at"
        XCTAssertEqual(try difference("staging.labour", "truth_labour", columns: columns), 0, "staging.labour equals the truth")
        try assertRejectsMatchTruth("labour", simulator)
        XCTAssertEqual(
            try connection.query("SELECT cursor_value FROM citypipe.feed_state WHERE feed = 'labour'")[0].decode(String.self, at: 0),
            "2025-12-31", "the cursor is the last day loaded")
        // The next run asks from the cursor minus the one-day lookback: two days of records again, nothing new.
        let again = try ingest(["labour"], simulator)
        XCTAssertEqual(again.status, 0, again.output)
        let lastTwoDays = try count("SELECT count(*) FROM truth_labour WHERE updated_at >= '2025-12-30T00:00:00+07:00'")
            + count("SELECT count(*) FROM truth_rejects WHERE feed = 'labour' AND position >= 'updated_at=2025-12-30'")
        XCTAssertGreaterThan(lastTwoDays, 0)
        XCTAssertTrue(again.output.contains(#""rows_in":\#(lastTwoDays),"#), again.output)
        XCTAssertEqual(try difference("staging.labour", "truth_labour", columns: columns), 0)
    }
}
