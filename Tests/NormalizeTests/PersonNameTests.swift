import XCTest

@testable import Normalize

final class PersonNameTests: XCTestCase {
    func testTable() {
        let nfd = "Nguyễn Thị Hoà".decomposedStringWithCanonicalMapping
        let table: [Case] = [
            .ok("Nguyễn Thị Hoà", "Nguyễn Thị Hoà", key: "nguyen thi hoa"),
            .ok("Nguyễn Thị Hòa", "Nguyễn Thị Hoà", key: "nguyen thi hoa"),
            .ok(nfd, "Nguyễn Thị Hoà", key: "nguyen thi hoa"),
            .ok("NGUYỄN THỊ HÒA", "Nguyễn Thị Hoà", key: "nguyen thi hoa"),
            .ok("NGUYEN THI HOA", "Nguyen Thi Hoa", key: "nguyen thi hoa"),
            .ok("  nguyễn   thị  hoà ", "Nguyễn Thị Hoà", key: "nguyen thi hoa"),
            .ok("Trần Thị Thủy", "Trần Thị Thuỷ", key: "tran thi thuy"),
            .ok("Trần Thị Thuỷ", "Trần Thị Thuỷ", key: "tran thi thuy"),
            .ok("Lê Văn Thụy", "Lê Văn Thuỵ", key: "le van thuy"),
            .ok("Phạm Thị Thúy Hằng", "Phạm Thị Thuý Hằng", key: "pham thi thuy hang"),
            .ok("Đỗ Thị Khỏe", "Đỗ Thị Khoẻ", key: "do thi khoe"),
            .ok("Vũ Thị Hòe", "Vũ Thị Hoè", key: "vu thi hoe"),
            .ok("Hoàng Văn Toàn", "Hoàng Văn Toàn", key: "hoang van toan"),
            .ok("Đặng Văn Hoàn", "Đặng Văn Hoàn", key: "dang van hoan"),
            .ok("Bùi Thị Quỳnh", "Bùi Thị Quỳnh", key: "bui thi quynh"),
            .ok("Ngô Quý Khoái", "Ngô Quý Khoái", key: "ngo quy khoai"),
            .ok("Dương Văn Quyết", "Dương Văn Quyết", key: "duong van quyet"),
            .ok("Nguyễn Thị Huyền", "Nguyễn Thị Huyền", key: "nguyen thi huyen"),
            .ok("Lý Thị Mùa", "Lý Thị Mùa", key: "ly thi mua"),
            .ok("Trương Thị Giàu", "Trương Thị Giàu", key: "truong thi giau"),
            .ok("Nguyễn Trường Giang", "Nguyễn Trường Giang", key: "nguyen truong giang"),
            .ok("Hồ Thị Hoài", "Hồ Thị Hoài", key: "ho thi hoai"),
            .ok("Phan Văn Khỏa", "Phan Văn Khoả", key: "phan van khoa"),
            .ok("Đinh Thị Ngọc Thủy Tiên", "Đinh Thị Ngọc Thuỷ Tiên", key: "dinh thi ngoc thuy tien"),
            .ok("Nguyễn Văn Người", "Nguyễn Văn Người", key: "nguyen van nguoi"),
            .ok("Lê Thị Khuyên", "Lê Thị Khuyên", key: "le thi khuyen"),
            .ok("Trần Văn Khuỷu", "Trần Văn Khuỷu", key: "tran van khuyu"),
            .ok("Mai Thị Xoáy", "Mai Thị Xoáy", key: "mai thi xoay"),
            .ok("đào   duy   từ", "Đào Duy Từ", key: "dao duy tu"),
            .ok("Võ Nguyên Giáp", "Võ Nguyên Giáp", key: "vo nguyen giap"),
            .ok("Tôn Nữ Thị Ninh", "Tôn Nữ Thị Ninh", key: "ton nu thi ninh"),
            .ok("H'Hen Niê", "H'Hen Niê", key: "h hen nie"),
            .ok("Ksor Phước Hà", "Ksor Phước Hà", key: "ksor phuoc ha"),
            .ok("Nguyễn-Phạm Minh Anh", "Nguyễn-Phạm Minh Anh", key: "nguyen pham minh anh"),
            .ok("Ðoàn Văn Hậu", "Đoàn Văn Hậu", key: "doan van hau"),
            .ok("Nguyễn\u{00A0}Văn\tAn", "Nguyễn Văn An", key: "nguyen van an"),
            .ok("Nguyễn Văn A.", "Nguyễn Văn A.", key: "nguyen van a"),
            .ok("Chu Thị Thanh Hoa", "Chu Thị Thanh Hoa", key: "chu thi thanh hoa"),
            .ok("Thân Đức Hòa", "Thân Đức Hoà", key: "than duc hoa"),
            .ok("Lương Thế Vinh", "Lương Thế Vinh", key: "luong the vinh"),
            .ok("Ngô Thị Huế", "Ngô Thị Huế", key: "ngo thi hue"),
            .ok("Nguyễn Thị Quế", "Nguyễn Thị Quế", key: "nguyen thi que"),
            .ok("Phùng Thị Qùy", "Phùng Thị Quỳ", key: "phung thi quy"),
            .fail("", .empty),
            .fail("   ", .empty),
            .fail("Nguyễn Văn 2", .invalidCharacters),
            .fail("123456", .invalidCharacters),
            .fail("Nguyễn Văn An @home", .invalidCharacters),
            .fail("Lê Thị Hoàá", .invalidFormat),
        ]
        runTable(.vnPersonName, table)
    }

    func testTraditionalPlacementConvertsBack() {
        let out = VietnameseText.process("Nguyễn Thị Hoà Thuỷ Khoẻ", case: .proper, punctuation: .keepNamePunctuation,
                                         style: .traditional)
        XCTAssertEqual(out.text, "Nguyễn Thị Hòa Thủy Khỏe")
    }

    func testOutputIsNFC() throws {
        let n = try PersonNameNormalizer.normalize("Nguyễn Thị Hoà".decomposedStringWithCanonicalMapping).get()
        XCTAssertEqual(n.value.unicodeScalars.count, n.value.precomposedStringWithCanonicalMapping.unicodeScalars.count)
    }
}
