import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `citypipe ingest finance` against `citypipe simulate`: one XML document per monthly window.
final class FinanceEndToEndTests: SimulatorIngestTestCase {
    func testAFullLoadOfMonthlyXMLDocumentsEqualsTheTruth() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 55, scale: 0.01)
        defer { simulator.stop() }
        let run = try ingest(["finance"], simulator)
        XCTAssertEqual(run.status, 0, run.output)
        try loadTruth(
            "finance", simulator,
            columns: "document_no text, tax_code text, payer_name text, sub_item text, tax_type text, tax_period text, amount numeric, paid_on date")
        XCTAssertGreaterThan(try count("SELECT count(*) FROM truth_finance"), 4_000)
        let columns = "document_no, tax_code, payer_name, sub_item, tax_type, tax_period, amount, paid_on"
        XCTAssertEqual(try difference("staging.finance", "truth_finance", columns: columns), 0, "staging.finance equals the truth")
        try assertRejectsMatchTruth("finance", simulator)
        XCTAssertEqual(
            try connection.query("SELECT cursor_value FROM citypipe.feed_state WHERE feed = 'finance'")[0].decode(String.self, at: 0),
            "2025-12")
    }
}
