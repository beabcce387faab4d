import XCTest

@testable import Normalize

final class DateTests: XCTestCase {
    func testDayMonthYear() {
        let pivot = NormalizationContext(twoDigitYears: TwoDigitYearRule(pivot: 30))
        let table: [Case] = [
            .ok("05/03/1990", "1990-03-05"),
            .ok("5/3/1990", "1990-03-05"),
            .ok("05-03-1990", "1990-03-05"),
            .ok("05.03.1990", "1990-03-05"),
            .ok(" 1/7/2025 ", "2025-07-01"),
            .ok("29/02/2024", "2024-02-29"),
            .ok("29/02/2000", "2000-02-29"),
            .ok("31/12/1899", "1899-12-31"),
            .ok("30/04/1975", "1975-04-30"),
            .ok("02/09/1945", "1945-09-02"),
            .ok("05/03/90", "1990-03-05", pivot),
            .ok("05/03/29", "2029-03-05", pivot),
            .ok("05/03/30", "1930-03-05", pivot),
            .ok("1.1.00", "2000-01-01", pivot),
            .fail("05/03/90", .needsContext),
            .fail("29/02/2023", .outOfRange),
            .fail("29/02/1900", .outOfRange),
            .fail("31/04/2024", .outOfRange),
            .fail("00/01/2024", .outOfRange),
            .fail("12/13/2024", .outOfRange),
            .fail("05/03-1990", .invalidFormat),
            .fail("1990-03-05", .invalidFormat),
            .fail("05/03/19900", .invalidFormat),
            .fail("5 tháng 3 1990", .invalidFormat),
            .fail("", .empty),
            .fail("05/03/990", .invalidFormat),
        ]
        runTable(.dateDMY, table, minimum: 20)
    }

    func testISO() {
        let table: [Case] = [
            .ok("1990-03-05", "1990-03-05"),
            .ok("2025-07-01", "2025-07-01"),
            .ok("19900305", "1990-03-05"),
            .ok(" 2024-02-29 ", "2024-02-29"),
            .ok("0001-01-01", "0001-01-01"),
            .ok("9999-12-31", "9999-12-31"),
            .fail("2023-02-29", .outOfRange),
            .fail("2024-13-01", .outOfRange),
            .fail("2024-1-5", .invalidFormat),
            .fail("24-01-05", .invalidFormat),
            .fail("2024/01/05", .invalidFormat),
            .fail("2024-01-05T10:00:00", .invalidFormat),
            .fail("", .empty),
            .fail("0000-01-01", .outOfRange),
            .fail("2024-06-31", .outOfRange),
        ]
        runTable(.dateISO, table, minimum: 15)
    }

    func testExcelSerials() {
        let table: [Case] = [
            .ok("1", "1900-01-01"),
            .ok("59", "1900-02-28"),
            .ok("61", "1900-03-01"),
            .ok("25569", "1970-01-01"),
            .ok("32874", "1990-01-01"),
            .ok("32937", "1990-03-05"),
            .ok("43831", "2020-01-01"),
            .ok("45839", "2025-07-01"),
            .ok("2958465", "9999-12-31"),
            .ok("45839.5", "2025-07-01T12:00:00+07:00"),
            .ok("45839,25", "2025-07-01T06:00:00+07:00"),
            .ok("0", "1904-01-01", NormalizationContext(excel1904: true)),
            .ok("44377", "2025-07-01", NormalizationContext(excel1904: true)),
            .fail("60", .outOfRange),
            .fail("0", .outOfRange),
            .fail("-5", .outOfRange),
            .fail("2958466", .outOfRange),
            .fail("4583x", .invalidFormat),
            .fail("", .empty),
            .fail("45839.", .invalidFormat),
        ]
        runTable(.excelDate, table, minimum: 20)
    }

    func testTimestamps() {
        let table: [Case] = [
            .ok("2024-03-05T08:30:00", "2024-03-05T08:30:00+07:00"),
            .ok("2024-03-05 08:30", "2024-03-05T08:30:00+07:00"),
            .ok("2024-03-05T01:30:00Z", "2024-03-05T08:30:00+07:00"),
            .ok("2024-03-05T01:30:00+00:00", "2024-03-05T08:30:00+07:00"),
            .ok("2024-03-05T09:30:00+08:00", "2024-03-05T08:30:00+07:00"),
            .ok("2024-03-05T09:30:00+0800", "2024-03-05T08:30:00+07:00"),
            .ok("2024-03-04T20:30:00-05", "2024-03-05T08:30:00+07:00"),
            .ok("2024-03-05T08:30:00.123", "2024-03-05T08:30:00.123+07:00"),
            .ok("2024-12-31T20:00:00Z", "2025-01-01T03:00:00+07:00"),
            .ok("05/03/2024 08:30", "2024-03-05T08:30:00+07:00"),
            .ok("5/3/2024 8:30:15", "2024-03-05T08:30:15+07:00"),
            .ok("30/06/2025 23:59:59", "2025-06-30T23:59:59+07:00"),
            .fail("2024-03-05", .invalidFormat),
            .fail("2024-03-05T25:00", .outOfRange),
            .fail("2024-03-05T08:61", .outOfRange),
            .fail("2024-02-30T08:00", .outOfRange),
            .fail("2024-03-05T08:30:00+15:00", .outOfRange),
            .fail("08:30 05/03/2024", .invalidFormat),
            .fail("", .empty),
            .fail("2024-03-05T08:30:00 ICT", .invalidFormat),
        ]
        runTable(.timestamp, table, minimum: 20)
    }
}
