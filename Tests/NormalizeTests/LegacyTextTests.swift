import XCTest

@testable import Normalize

final class LegacyTextTests: XCTestCase {
    /// Real phrases, encoded with glibc iconv (TCVN5712-1), Python's cp1258 codec, and the VNI-Windows table, then
    /// read as Windows-1252 (how such files reach the pipeline).
    static let rows: [(String, String, LegacyEncoding)] = [
            ("Tr\u{AD}\u{EA}ng Ti\u{D3}u h\u{E4}c V\u{E2} C\u{AD}\u{EA}ng", "Trường Tiểu học Võ Cường", .tcvn3),
            ("Tr\u{F6}\u{F4}\u{F8}ng Tie\u{E5}u ho\u{EF}c Vo\u{F5} C\u{F6}\u{F4}\u{F8}ng", "Trường Tiểu học Võ Cường", .vni),
            ("Tr\u{FD}\u{F5}\u{CC}ng Ti\u{EA}\u{D2}u ho\u{F2}c Vo\u{DE} C\u{FD}\u{F5}\u{CC}ng", "Trường Tiểu học Võ Cường", .windows1258),
            ("B\u{BE}c Ninh", "Bắc Ninh", .tcvn3),
            ("Ba\u{E9}c Ninh", "Bắc Ninh", .vni),
            ("B\u{E3}\u{EC}c Ninh", "Bắc Ninh", .windows1258),
            ("Nguy\u{D4}n Th\u{DE} Ho\u{B5}", "Nguyễn Thị Hoà", .tcvn3),
            ("Nguye\u{E3}n Th\u{F2} Hoa\u{F8}", "Nguyễn Thị Hoà", .vni),
            ("Nguy\u{EA}\u{DE}n Thi\u{F2} Hoa\u{CC}", "Nguyễn Thị Hoà", .windows1258),
            ("U\u{FB} ban nh\u{A9}n d\u{A9}n t\u{D8}nh B\u{BE}c Giang", "Uỷ ban nhân dân tỉnh Bắc Giang", .tcvn3),
            ("Uy\u{FB} ban nha\u{E2}n da\u{E2}n t\u{E6}nh Ba\u{E9}c Giang", "Uỷ ban nhân dân tỉnh Bắc Giang", .vni),
            ("Uy\u{D2} ban nh\u{E2}n d\u{E2}n ti\u{D2}nh B\u{E3}\u{EC}c Giang", "Uỷ ban nhân dân tỉnh Bắc Giang", .windows1258),
            ("Ph\u{AD}\u{EA}ng V\u{F2} Ninh", "Phường Vũ Ninh", .tcvn3),
            ("Ph\u{F6}\u{F4}\u{F8}ng Vu\u{F5} Ninh", "Phường Vũ Ninh", .vni),
            ("Ph\u{FD}\u{F5}\u{CC}ng Vu\u{DE} Ninh", "Phường Vũ Ninh", .windows1258),
            ("Th\u{B5}nh ph\u{E8} T\u{F5} S\u{AC}n", "Thành phố Từ Sơn", .tcvn3),
            ("Tha\u{F8}nh pho\u{E1} T\u{F6}\u{F8} S\u{F4}n", "Thành phố Từ Sơn", .vni),
            ("Tha\u{CC}nh ph\u{F4}\u{EC} T\u{FD}\u{CC} S\u{F5}n", "Thành phố Từ Sơn", .windows1258),
            ("S\u{EB} Th\u{AB}ng tin v\u{B5} Truy\u{D2}n th\u{AB}ng", "Sở Thông tin và Truyền thông", .tcvn3),
            ("S\u{F4}\u{FB} Tho\u{E2}ng tin va\u{F8} Truye\u{E0}n tho\u{E2}ng", "Sở Thông tin và Truyền thông", .vni),
            ("S\u{F5}\u{D2} Th\u{F4}ng tin va\u{CC} Truy\u{EA}\u{CC}n th\u{F4}ng", "Sở Thông tin và Truyền thông", .windows1258),
            ("C\u{E9}ng ho\u{B5} x\u{B7} h\u{E9}i ch\u{F1} ngh\u{DC}a Vi\u{D6}t Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam", .tcvn3),
            ("Co\u{E4}ng hoa\u{F8} xa\u{F5} ho\u{E4}i chu\u{FB} ngh\u{F3}a Vie\u{E4}t Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam", .vni),
            ("C\u{F4}\u{F2}ng hoa\u{CC} xa\u{DE} h\u{F4}\u{F2}i chu\u{D2} nghi\u{DE}a Vi\u{EA}\u{F2}t Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam", .windows1258),
            ("\u{A7}\u{E9}c l\u{CB}p - T\u{F9} do - H\u{B9}nh ph\u{F3}c", "Độc lập - Tự do - Hạnh phúc", .tcvn3),
            ("\u{D1}o\u{E4}c la\u{E4}p - T\u{F6}\u{EF} do - Ha\u{EF}nh phu\u{F9}c", "Độc lập - Tự do - Hạnh phúc", .vni),
            ("\u{D0}\u{F4}\u{F2}c l\u{E2}\u{F2}p - T\u{FD}\u{F2} do - Ha\u{F2}nh phu\u{EC}c", "Độc lập - Tự do - Hạnh phúc", .windows1258),
            ("Huy\u{D6}n Y\u{AA}n Phong", "Huyện Yên Phong", .tcvn3),
            ("Huye\u{E4}n Ye\u{E2}n Phong", "Huyện Yên Phong", .vni),
            ("Huy\u{EA}\u{F2}n Y\u{EA}n Phong", "Huyện Yên Phong", .windows1258),
            ("X\u{B7} Ph\u{EF} Ch\u{C8}n", "Xã Phù Chẩn", .tcvn3),
            ("Xa\u{F5} Phu\u{F8} Cha\u{E5}n", "Xã Phù Chẩn", .vni),
            ("Xa\u{DE} Phu\u{CC} Ch\u{E2}\u{D2}n", "Xã Phù Chẩn", .windows1258),
            ("Gi\u{CA}y ch\u{F8}ng nh\u{CB}n quy\u{D2}n s\u{F6} d\u{F4}ng \u{AE}\u{CA}t", "Giấy chứng nhận quyền sử dụng đất", .tcvn3),
            ("Gia\u{E1}y ch\u{F6}\u{F9}ng nha\u{E4}n quye\u{E0}n s\u{F6}\u{FB} du\u{EF}ng \u{F1}a\u{E1}t", "Giấy chứng nhận quyền sử dụng đất", .vni),
            ("Gi\u{E2}\u{EC}y ch\u{FD}\u{EC}ng nh\u{E2}\u{F2}n quy\u{EA}\u{CC}n s\u{FD}\u{D2} du\u{F2}ng \u{F0}\u{E2}\u{EC}t", "Giấy chứng nhận quyền sử dụng đất", .windows1258),
            ("Trung t\u{A9}m Y t\u{D5} huy\u{D6}n L\u{AD}\u{AC}ng T\u{B5}i", "Trung tâm Y tế huyện Lương Tài", .tcvn3),
            ("Trung ta\u{E2}m Y te\u{E1} huye\u{E4}n L\u{F6}\u{F4}ng Ta\u{F8}i", "Trung tâm Y tế huyện Lương Tài", .vni),
            ("Trung t\u{E2}m Y t\u{EA}\u{EC} huy\u{EA}\u{F2}n L\u{FD}\u{F5}ng Ta\u{CC}i", "Trung tâm Y tế huyện Lương Tài", .windows1258),
            ("Th\u{DE} tr\u{CA}n Ch\u{EA}", "Thị trấn Chờ", .tcvn3),
            ("Th\u{F2} tra\u{E1}n Ch\u{F4}\u{F8}", "Thị trấn Chờ", .vni),
            ("Thi\u{F2} tr\u{E2}\u{EC}n Ch\u{F5}\u{CC}", "Thị trấn Chờ", .windows1258),
    ]

    func testTableWithDetection() {
        var table: [Case] = LegacyTextTests.rows.map { .ok($0.0, $0.1) }
        table += [
            .ok("Trường Tiểu học Võ Cường", "Trường Tiểu học Võ Cường"),
            .ok("Nguyễn Thị Hoà".decomposedStringWithCanonicalMapping, "Nguyễn Thị Hoà"),
            .ok("Bac Ninh", "Bac Ninh"),
            .ok("Tr\u{AD}\u{EA}ng TiÓu häc", "Trường Tiểu học", NormalizationContext(legacyEncoding: .tcvn3)),
            .fail("", .empty),
            .fail("   ", .empty),
        ]
        runTable(.legacyText, table)
    }

    func testDetectedEncoding() {
        for (legacy, unicode, encoding) in LegacyTextTests.rows {
            XCTAssertEqual(LegacyTextNormalizer.detect(legacy), encoding, "\(unicode)")
        }
        XCTAssertEqual(LegacyTextNormalizer.detect("Trường Tiểu học"), .unicode)
        XCTAssertEqual(LegacyTextNormalizer.detect("Café"), .unicode)
    }

    func testClassicSamples() {
        XCTAssertEqual(LegacyTextNormalizer.decode("NguyÔn ThÞ Hoµ", from: .tcvn3), "Nguyễn Thị Hoà")
        XCTAssertEqual(LegacyTextNormalizer.decode("Nguyeãn Thò Hoaø", from: .vni), "Nguyễn Thị Hoà")
        XCTAssertEqual(LegacyTextNormalizer.decode(bytes: [0x42, 0xBE, 0x63], from: .tcvn3), "Bắc")
        XCTAssertEqual(LegacyTextNormalizer.decode("BAÉC NINH", from: .vni), "BẮC NINH")
    }
}
