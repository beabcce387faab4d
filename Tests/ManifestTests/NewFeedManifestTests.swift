import Foundation
import Manifest
import XCTest

/// The five manifests of issue 5 mean what they say: windows a day-step backfill can use, the 130/QĐ-BYT
/// envelope, the two school exports, the statistics key, the monthly finance documents.
final class NewFeedManifestTests: XCTestCase {
    func testWindowedFeedsDeclareTheirWindowParametersAndFormats() throws {
        let table: [(String, String, String?, String?, CursorFormat, String, String)] = [
            ("labour", "updated_at", "from", "to", .date, "P1M", "2024-01-01"),
            ("health_encounters", "discharged_at", "tu_ngay", "den_ngay", .date, "P1M", "2024-01-01"),
            ("finance", "paid_on", "ky", nil, .month, "P1M", "2024-01"),
        ]
        for (feed, cursor, start, end, format, step, first) in table {
            let incremental = try XCTUnwrap(try Fixture.load(feed).incremental, feed)
            XCTAssertEqual(incremental.cursorField, cursor, feed)
            XCTAssertEqual(incremental.window?.startParameter, start, feed)
            XCTAssertEqual(incremental.window?.endParameter, end, feed)
            XCTAssertEqual(incremental.format, format, feed)
            XCTAssertEqual(incremental.window?.step.text, step, feed)
            XCTAssertEqual(incremental.startDatetime, first, feed)
        }
        XCTAssertEqual(try Fixture.load("labour").incremental?.parameter, "from", "nightly runs ask open-ended from the cursor")
    }

    func testSemanticsForLinkageAreDeclared() throws {
        let table: [(String, String, String)] = [
            ("labour", "citizen_id", "vn_citizen_id"), ("labour", "full_name", "vn_person_name"),
            ("labour", "ward_code", "vn_admin_unit"), ("health_encounters", "citizen_id", "vn_citizen_id"),
            ("health_encounters", "full_name", "vn_person_name"), ("health_encounters", "ward_code", "vn_admin_unit"),
            ("schools", "ward_code", "vn_admin_unit"), ("statistics", "commune_code", "vn_admin_unit"),
            ("finance", "tax_code", "vn_tax_code"),
        ]
        for (feed, field, semantic) in table {
            XCTAssertEqual(try Fixture.load(feed).field(named: field)?.semantic, semantic, "\(feed).\(field)")
        }
    }

    func testHealthEncountersReadXML1FromTheEnvelope() throws {
        let manifest = try Fixture.load("health_encounters")
        XCTAssertEqual(manifest.kind, .xml)
        XCTAssertEqual(manifest.records.element?.description, "GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO")
        XCTAssertEqual(manifest.records.embedded?.types, ["XML1"])
        XCTAssertEqual(manifest.records.embedded?.element.description, "TONG_HOP")
        XCTAssertEqual(manifest.field(named: "admitted_at")?.format, "yyyyMMddHHmm")
        XCTAssertEqual(manifest.primaryKey, ["claim_id", "discharged_at"])
        XCTAssertEqual(manifest.partitionBy, PeriodPartitioning(field: "discharged_at", interval: .month, periodCanChange: true))
    }

    func testSchoolsAndStatistics() throws {
        let schools = try Fixture.load("schools")
        XCTAssertEqual(schools.request.partitions, [["so": "bac-ninh"], ["so": "bac-giang"]])
        XCTAssertEqual(schools.records.csv?.encoding, .auto)
        XCTAssertNil(schools.incremental, "a full snapshot")
        let statistics = try Fixture.load("statistics")
        XCTAssertEqual(statistics.primaryKey, ["year", "commune_code"])
        XCTAssertEqual(statistics.auth, .none)
    }
}
