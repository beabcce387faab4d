@testable import Ingest
import XCTest

/// Field `format`s of Decision 130/QĐ-BYT: `yyyyMMddHHmm` timestamps (read in +07:00) and birth dates written
/// the same way, plus the seconds variant.
final class CompactDateFormatTests: XCTestCase {
    func testCompactLayoutsTypeAsDatesAndTimestamps() {
        let cases: [(String, String, String, ValueTyper.Outcome)] = [
            ("202501100830", "timestamptz", "yyyyMMddHHmm", .value("2025-01-10T08:30:00+07:00")),
            ("20250110083015", "timestamptz", "yyyyMMddHHmmss", .value("2025-01-10T08:30:15+07:00")),
            ("199001150000", "date", "yyyyMMddHHmm", .value("1990-01-15")),
            ("20240229", "date", "yyyyMMdd", .value("2024-02-29")),
            // Months (the insurance exports' `ky`), written three ways.
            ("2025-07", "date", "yyyy-MM", .value("2025-07-01")),
            ("2025/12", "date", "yyyy/MM", .value("2025-12-01")),
            ("07/2025", "date", "MM/yyyy", .value("2025-07-01")),
            // Not the layout: the generic readers still apply.
            ("2025-01-10T08:30:00+07:00", "timestamptz", "yyyyMMddHHmm", .value("2025-01-10T08:30:00+07:00")),
            ("15/01/1990", "date", "yyyyMMddHHmm", .value("1990-01-15")),
        ]
        for (text, type, format, expected) in cases {
            XCTAssertEqual(ValueTyper.type(text, as: type, format: format), expected, "\(text) as \(type) \(format)")
        }
    }

    func testImpossibleCompactValuesAreRejectedWithTheReason() {
        let cases: [(String, String, String, String)] = [
            ("202502301000", "timestamptz", "yyyyMMddHHmm", "not a timestamp"),
            ("202501102530", "timestamptz", "yyyyMMddHHmm", "not a timestamp"),
            ("199002300000", "date", "yyyyMMddHHmm", "not a date"),
            ("20250110083", "timestamptz", "yyyyMMddHHmm", "not a timestamp"),
        ]
        for (text, type, format, reason) in cases {
            guard case .invalid(let why) = ValueTyper.type(text, as: type, format: format) else {
                XCTFail("\(text) as \(type) \(format) was accepted")
                continue
            }
            XCTAssertTrue(why.hasPrefix(reason), "\(text): \(why)")
            XCTAssertFalse(why.contains(text), "the reason quotes the value")
        }
    }
}
