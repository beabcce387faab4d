import XCTest

@testable import Normalize

final class AdminUnitTests: XCTestCase {
    static let old = NormalizationContext(asOf: day(2024, 6, 1))
    static let new = NormalizationContext(asOf: day(2025, 8, 1))

    /// Value: the post-2025 ward code; key: the pre-2025 code recognised (old-era input only).
    func testTable() {
        let old = AdminUnitTests.old
        let new = AdminUnitTests.new
        let table: [Case] = [
            // The examples.
            .ok("Xã Phù Chẩn, TX Từ Sơn", "09367", key: "09397", old),  // Xã in 2020, Phường since 2021
            .ok("P. Vũ Ninh, TP. Bắc Ninh", "09169", key: "09163", old),
            .ok("Phường Vũ Ninh, TP Bắc Ninh", "09169", key: "09163", old),
            .ok("Thi tran Cho, Yen Phong", "09193", key: "09193", old),
            .ok("09163", "09169", key: "09163", old),
            .ok("09169", "09169", key: "09169", old),  // Phường Thị Cầu before the reform
            .ok("09169", "09169", new),  // the new Phường Vũ Ninh
            .ok("P. Thị Cầu, TP. Bắc Ninh", "09169", key: "09169", old),
            .ok("Phường Vũ Ninh, Tỉnh Bắc Ninh", "09169", new),
            .ok("Phường Vũ Ninh", "09169", new),
            // Pre-2025 units, written every which way.
            .ok("Thị trấn Chờ, Huyện Yên Phong, Tỉnh Bắc Ninh", "09193", key: "09193", old),
            .ok("TT. Chờ, H. Yên Phong", "09193", key: "09193", old),
            .ok("Xã Thụy Hòa, Yên Phong", "09208", key: "09208", old),
            .ok("Xã Thuỵ Hoà, Yên Phong", "09208", key: "09208", old),
            .ok("Xa Thuy Hoa, Yen Phong, Bac Ninh", "09208", key: "09208", old),
            .ok("Phường Bồng Lai, Thị xã Quế Võ", "09295", key: "09295", old),
            .ok("P. Khắc Niệm, TP. Bắc Ninh", "09325", key: "09325", old),
            .ok("Phường Suối Hoa, Thành phố Bắc Ninh", "09187", key: "09187", old),
            .ok("Phường Hòa Long, TP Bắc Ninh", "09187", key: "09214", old),
            .ok("Phường Trạm Lộ, TX Thuận Thành", "09430", key: "09430", old),
            .ok("Xã Tân Lãng, H. Lương Tài", "09496", key: "09511", old),
            .ok("Phường Tam Sơn, TP. Từ Sơn, Bắc Ninh", "09370", key: "09370", old),
            .ok("Phường Thọ Xương, TP. Bắc Giang", "07210", key: "07201", old),
            .ok("Thị trấn Vôi, Lạng Giang, Bắc Giang", "07375", key: "07375", old),
            .ok("TT Phì Điền, Lục Ngạn", "07582", key: "07582", old),
            .ok("Phường Phượng Sơn, TX Chũ", "07612", key: "07612", old),
            .ok("Phuong Bich Dong, Viet Yen, Bac Giang", "07777", key: "07777", old),
            .ok("Xã Hùng Thái, Huyện Hiệp Hoà", "07864", key: "07849", old),
            .ok("Thôn Đông, Xã Hùng Thái, Hiệp Hòa", "07864", key: "07849", old),
            .ok("Phường Phúc Xá, Quận Ba Đình, Hà Nội", "00097", key: "00001", old),
            .ok("P. Tân Định, Q.1, TP.HCM", "26737", key: "26734", old),
            .ok("Phường 01, Quận 3, TP. Hồ Chí Minh", "27154", key: "27160", old),
            .ok("Xã Ch'ơm, Tây Giang, Quảng Nam", "20443", key: "20437", old),
            .ok("Phường Vũ Ninh Thành phố Bắc Ninh", "09169", key: "09163", old),
            .ok("Phường Vũ Ninh".decomposedStringWithCanonicalMapping + ", Bắc Ninh", "09169", key: "09163", old),
            // Post-2025 units.
            .ok("Phường Võ Cường, Bắc Ninh", "09190", new),
            .ok("Phuong Bac Giang, Bac Ninh", "07210", new),
            .ok("Xã Hiệp Hòa, Tỉnh Bắc Ninh", "07840", new),
            .ok("Phường Hạp Lĩnh", "09325", new),
            .ok("09325", "09325", new),
            .ok("09325", "09325", key: "09325", old),  // Phường Khắc Niệm before, Phường Hạp Lĩnh after
            .ok("Phường Từ Sơn, Bắc Ninh", "09367", new),
            .ok("Phường Ba Đình, Hà Nội", "00004", new),
            .ok("9163", "09169", key: "09163", old),  // leading 0 lost in a spreadsheet
            // Failures.
            .fail("", .empty),
            .fail("09169", .needsContext),  // a code valid in both eras without a date
            .fail("Phường Ngọc Hà, Ba Đình, Hà Nội", .ambiguous, old),  // partial: split over 00004 and 00008
            .fail("Phường Vũ Ninh, Hà Nội", .notFound, old),
            .fail("Xã Tân Tiến", .ambiguous, old),
            .fail("Phường Không Có", .notFound, old),
            .fail("99999", .notFound, old),
            .fail("091630", .invalidLength),
            .fail("09163", .notFound, new),  // old Vũ Ninh's code does not exist after the reform
        ]
        runTable(.vnAdminUnit, table)
    }

    func testSplitCandidates() throws {
        guard case .failure(let f) = normalize("Phường Ngọc Hà, Quận Ba Đình", as: .vnAdminUnit, context: AdminUnitTests.old)
        else { return XCTFail("expected ambiguous") }
        XCTAssertEqual(f.candidates, ["00004", "00008"])
        let index = try AdminUnitIndex.shared.get()
        let m = try AdminUnitResolver(index: index).resolve("Phường Ngọc Hà, Quận Ba Đình", asOf: day(2024, 1, 1)).get()
        XCTAssertEqual(m.oldCode, "00016")
        XCTAssertNil(m.newCode)
    }
}
