import XCTest

@testable import Normalize

/// Synthetic numbers with the real layout (real people's numbers are personal data).
final class CitizenIDTests: XCTestCase {
    func testTable() {
        func ctx(_ y: Int, _ m: Int, _ d: Int, _ sex: Sex? = nil) -> NormalizationContext {
            NormalizationContext(birthDate: day(y, m, d), sex: sex)
        }
        let table: [Case] = [
            .ok("027090001234", "027090001234"),  // Bắc Ninh, male 1990
            .ok("027190001234", "027190001234", ctx(1990, 3, 5, .female)),  // Bắc Ninh, female 1990
            .ok("024085012345", "024085012345", ctx(1985, 12, 1, .male)),  // Bắc Giang
            .ok("001203004567", "001203004567", ctx(2003, 1, 1, .male)),  // Hà Nội, male 2003
            .ok("079305009876", "079305009876", ctx(2005, 7, 7, .female)),  // TP HCM, female 2005
            .ok("001 090 001 234", "001090001234"),
            .ok("001.090.001.234", "001090001234"),
            .ok("001-090-001-234", "001090001234"),
            .ok(" 027090001234 ", "027090001234"),
            .ok("031098000111", "031098000111"),  // Hải Phòng
            .ok("048099000222", "048099000222"),  // Đà Nẵng
            .ok("092188000333", "092188000333"),  // Cần Thơ, female 1988
            .ok("096201000444", "096201000444"),  // Cà Mau, male 2001
            .ok("002170000555", "002170000555"),  // Hà Giang, female 1970
            .ok("025860000666", "025860000666"),  // Phú Thọ, male 1886 (century digit 8)
            .ok("026910000777", "026910000777"),  // Vĩnh Phúc, female 1891 (century digit 9)
            .ok("030450000888", "030450000888"),  // Hải Dương, male 2150 (digit 4)
            .ok("033550000999", "033550000999"),  // Hưng Yên, female 2155 (digit 5)
            .ok("034600000101", "034600000101"),  // Thái Bình, male 2200 (digit 6)
            .ok("035700000202", "035700000202"),  // Hà Nam, female 2200 (digit 7)
            .ok("038075000303", "038075000303", ctx(1975, 4, 30, .male)),  // Thanh Hóa
            .ok("040167000404", "040167000404", ctx(1967, 1, 1, .female)),  // Nghệ An
            .ok("066200000505", "066200000505", ctx(2000, 2, 29, .male)),  // Đắk Lắk
            .ok("089312000606", "089312000606", ctx(2012, 6, 1, .female)),  // An Giang
            .ok("123456789", "123456789"),  // 9-digit CMND
            .ok("125 123 456", "125123456"),  // CMND Bắc Ninh series
            .ok("121.555.666", "121555666"),  // CMND Bắc Giang series
            .ok("012345678", "012345678", ctx(1990, 1, 1, .male)),  // CMND: nothing to check
            .fail("", .empty),
            .fail("02709000123", .invalidLength),
            .fail("0270900012345", .invalidLength),
            .fail("1234567890", .invalidLength),
            .fail("02709000123A", .invalidCharacters),
            .fail("CCCD 027090001234", .invalidCharacters),
            .fail("127090001234", .outOfRange),  // first digit not 0
            .fail("003090001234", .outOfRange),  // 03 is not a province code
            .fail("099090001234", .outOfRange),
            .fail("028090001234", .outOfRange),  // 28 was Hà Tây, gone since 2008
            .fail("027090001234", .mismatch, ctx(1991, 1, 1)),  // year
            .fail("027090001234", .mismatch, ctx(2090, 1, 1)),  // century
            .fail("027090001234", .mismatch, NormalizationContext(sex: .female)),
            .fail("027190001234", .mismatch, ctx(1990, 1, 1, .male)),
            .fail("001203004567", .mismatch, ctx(1903, 1, 1)),
        ]
        runTable(.vnCitizenID, table)
    }

    func testFields() throws {
        let id = try CitizenIDNormalizer.normalize("027 1 90 001234").get()
        XCTAssertEqual(id.kind, .cccd)
        XCTAssertEqual(id.provinceCode, "27")
        XCTAssertEqual(id.sex, .female)
        XCTAssertEqual(id.birthYear, 1990)
        let cmnd = try CitizenIDNormalizer.normalize("125123456").get()
        XCTAssertEqual(cmnd.kind, .cmnd)
        XCTAssertNil(cmnd.provinceCode)
        XCTAssertEqual(CitizenIDNormalizer.provinceCodes.count, 63)
    }
}
