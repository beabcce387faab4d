import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `citypipe ingest health_encounters` against `citypipe simulate`: the GIAMDINHHS envelope of Decision
/// 130/QĐ-BYT, base64 XML1 summaries unpacked, monthly windows of day ranges.
final class HealthEncountersEndToEndTests: SimulatorIngestTestCase {
    func testTheEnvelopeIsUnpackedAndAFullLoadEqualsTheTruth() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 52, scale: 0.01)
        defer { simulator.stop() }
        XCTAssertNotNil(simulator.exports["CITYPIPE_HEALTH_ENCOUNTERS_PASSWORD"])
        let run = try ingest(["health_encounters"], simulator)
        XCTAssertEqual(run.status, 0, run.output)
        try loadTruth(
            "health_encounters", simulator,
            columns: "claim_id text, citizen_id text, full_name text, birth_date date, sex text, province_code text, ward_code text, insurance_card text, diagnosis_icd10 text, encounter_type text, admitted_at timestamptz, discharged_at timestamptz, facility_code text, total_cost numeric, insurance_paid numeric")
        XCTAssertGreaterThan(try count("SELECT count(*) FROM truth_health_encounters"), 5_000)
        XCTAssertEqual(
            try difference(
                "staging.health_encounters", "truth_health_encounters",
                columns: "claim_id, citizen_id, full_name, birth_date, sex, province_code, ward_code, insurance_card, diagnosis_icd10, encounter_type, admitted_at, discharged_at, facility_code, total_cost, insurance_paid"),
            0, "staging.health_encounters equals the truth")
        // Fields of XML1 the manifest does not declare are kept in _extra, read from inside the embedded files.
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.health_encounters WHERE _extra ? 'CHAN_DOAN_RV' AND _extra ? 'MA_BN'"),
            try count("SELECT count(*) FROM truth_health_encounters"))
        XCTAssertEqual(try count("SELECT count(*) FROM staging.health_encounters WHERE _extra ? 'MA_THUOC'"), 0, "XML2 files are skipped")
        try assertRejectsMatchTruth("health_encounters", simulator)
        XCTAssertEqual(
            try connection.query("SELECT cursor_value FROM citypipe.feed_state WHERE feed = 'health_encounters'")[0].decode(String.self, at: 0),
            "2025-12-31")
    }
}
