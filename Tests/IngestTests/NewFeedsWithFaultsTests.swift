import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// The five feeds of issue 5 loaded together from a simulator that injects faults (429, 503, slow and truncated
/// responses): retries leave staging equal to the truth.
final class NewFeedsWithFaultsTests: SimulatorIngestTestCase {
    func testWithFaultsEveryNewFeedStillEqualsTheTruth() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 56, scale: 0.005, faults: 0.05)
        defer { simulator.stop() }
        let run = try ingest(["labour", "health_encounters", "schools", "statistics", "finance"], simulator)
        XCTAssertEqual(run.status, 0, run.output)
        let tables: [(String, String, String)] = [
            ("labour", "claim_id text, kind text, citizen_id text, full_name text, ward_code text, ward_name text, occupation_code text, occupation text, claim_date date, monthly_benefit numeric, benefit_months integer, status text, updated_at timestamptz", "claim_id, citizen_id, full_name, ward_code, claim_date, monthly_benefit, updated_at"),
            ("health_encounters", "claim_id text, citizen_id text, full_name text, birth_date date, sex text, province_code text, ward_code text, insurance_card text, diagnosis_icd10 text, encounter_type text, admitted_at timestamptz, discharged_at timestamptz, facility_code text, total_cost numeric, insurance_paid numeric", "claim_id, citizen_id, full_name, birth_date, ward_code, admitted_at, discharged_at, total_cost"),
            ("schools", "school_code text, name text, level text, ownership text, ward_code text, ward_name text, pupils integer, teachers integer, classes integer, school_year text", "school_code, name, ward_name, pupils"),
            ("statistics", "year integer, commune_code text, commune_name text, unit_type text, population integer, male integer, female integer, households integer", "year, commune_code, commune_name, population"),
            ("finance", "document_no text, tax_code text, payer_name text, sub_item text, tax_type text, tax_period text, amount numeric, paid_on date", "document_no, tax_code, payer_name, amount, paid_on"),
        ]
        for (feed, columns, compared) in tables {
            try loadTruth(feed, simulator, columns: columns)
            XCTAssertEqual(try difference("staging.\(feed)", "truth_\(feed)", columns: compared), 0, "\(feed) equals the truth despite faults")
        }
        XCTAssertGreaterThan(
            try count("SELECT coalesce(sum(retries), 0) FROM citypipe.feed_runs WHERE feed IN ('labour', 'health_encounters', 'schools', 'statistics', 'finance')"), 0,
            "faults were met and retried")
    }
}
