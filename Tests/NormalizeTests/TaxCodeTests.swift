import XCTest

@testable import Normalize

final class TaxCodeTests: XCTestCase {
    /// Published enterprise codes; each satisfies the check digit.
    static let published = [
        "0100233488", "2300325764",  // the examples (2300325764: Samsung Electronics Vietnam, Bắc Ninh)
        "0300588569",  // Vinamilk
        "0100109106",  // Viettel
        "0101248141",  // FPT
        "0100112437",  // Vietcombank
        "0100684378",  // VNPT
        "0100107370",  // Petrolimex
        "0101245486",  // Vingroup
        "0900189284",  // Hòa Phát
        "0303576603",  // Masan
    ]

    func testTable() {
        var table: [Case] = []
        for code in TaxCodeTests.published {
            table.append(.ok(code, code, key: code))
            table.append(.ok(code + "-001", code + "-001", key: code))
        }
        table += [
            .ok("0100233488 ", "0100233488"),
            .ok("01 0023 3488", "0100233488"),
            .ok("0100.233.488", "0100233488"),
            .ok("2300325764 - 012", "2300325764-012"),
            .ok("2300325764012", "2300325764-012"),
            .ok("0100109106-999", "0100109106-999"),
            .fail("", .empty),
            .fail("0100233487", .checksum),
            .fail("0100233489", .checksum),
            .fail("2300325765", .checksum),
            .fail("2300325746", .checksum),
            .fail("0100233488-000", .outOfRange),
            .fail("010023348", .invalidLength),
            .fail("01002334888", .invalidLength),
            .fail("0100233488-01", .invalidLength),
            .fail("MST0100233488", .invalidCharacters),
            .fail("0100233488/ABC", .invalidCharacters),
            .fail("0000000000", .checksum),  // remainder 0: no valid check digit
        ]
        runTable(.vnTaxCode, table)
    }

    func testCheckDigitRule() {
        // 0100233488: Σ = 0·31+1·29+0·23+0·19+2·17+3·13+3·7+4·5+8·3 = 167, 167 mod 11 = 2, check 10 − 2 = 8.
        XCTAssertEqual(TaxCodeNormalizer.checkDigit(Array("010023348".utf8)), 8)
        // 2300325764: Σ = 314, 314 mod 11 = 6, check 4.
        XCTAssertEqual(TaxCodeNormalizer.checkDigit(Array("230032576".utf8)), 4)
        XCTAssertNil(TaxCodeNormalizer.checkDigit(Array("000000000".utf8)))
    }
}
