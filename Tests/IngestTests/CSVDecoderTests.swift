import XCTest
@testable import Ingest
@testable import Decoders

final class CSVDecoderTests: XCTestCase {
    private struct Case {
        let name: String
        let bytes: [UInt8]
        var options = CSVOptions()
        let header: [String]?
        let expected: [Outcome]
    }

    private static let semicolon = CSVOptions(delimiter: UInt8(ascii: ";"))

    private let cases: [Case] = [
        Case(
            name: "RFC 4180 with quotes, escaped quotes, embedded newline and CRLF",
            bytes: Array("id,name,note\r\n1,\"Nguyễn Văn \"\"Tí\"\"\",\"dòng 1\r\ndòng 2\"\r\n2,Lê Thị B,\r\n".utf8),
            header: ["id", "name", "note"],
            expected: [
                .record(1, 2, ["1", "Nguyễn Văn \"Tí\"", "dòng 1\r\ndòng 2"]),
                .record(2, 4, ["2", "Lê Thị B", nil]),
            ]),
        Case(
            name: "social-insurance export: UTF-8 BOM, ';', LF, no final newline, quoted empty",
            bytes: [0xEF, 0xBB, 0xBF]
                + Array(
                    "SO_CCCD;MA_SO_BHXH;HO_TEN;MST_DON_VI;KY\n001090012345;0123456789;Trần Văn Cường;2300123456;\"\"\n027190001122;2712345678;Phạm Thị Dung;2300123456-001;2025-01"
                        .utf8),
            options: semicolon,
            header: ["SO_CCCD", "MA_SO_BHXH", "HO_TEN", "MST_DON_VI", "KY"],
            expected: [
                .record(1, 2, ["001090012345", "0123456789", "Trần Văn Cường", "2300123456", ""]),
                .record(2, 3, ["027190001122", "2712345678", "Phạm Thị Dung", "2300123456-001", "2025-01"]),
            ]),
        Case(
            name: "tab-delimited, blank lines skipped, lone CR line ends",
            bytes: Array("a\tb\r\r1\t2\r\n\n3\t\"x\ty\"\n".utf8),
            options: CSVOptions(delimiter: 9),
            header: ["a", "b"],
            expected: [.record(1, 3, ["1", "2"]), .record(2, 5, ["3", "x\ty"])]),
        Case(
            name: "malformed quoting is rejected and the next records still decode",
            bytes: Array(
                "ma,ten,sdt\n1,Hồ \"Bé\" Ba,0912\n2,\"Võ An\"x,0913\n3,Đỗ C,0914\n4,Đỗ D\n5,\"Mai\nLan\",0915\n6,\"unterminated,0916\n"
                    .utf8),
            header: ["ma", "ten", "sdt"],
            expected: [
                .rejected(1, 2, "ten", .strayQuote),
                .rejected(2, 3, "ten", .textAfterQuote),
                .record(3, 4, ["3", "Đỗ C", "0914"]),
                .rejected(4, 5, nil, .fieldCount),
                .record(5, 6, ["5", "Mai\nLan", "0915"]),
                .rejected(6, 8, "ten", .unterminatedQuote),
            ]),
        Case(
            name: "no header: columns named 1, 2…; quoting off keeps quotes",
            bytes: Array("x,\"y\"\nz,w\n".utf8),
            options: CSVOptions(quote: nil, hasHeader: false),
            header: ["1", "2"],
            expected: [.record(1, 1, ["x", "\"y\""]), .record(2, 2, ["z", "w"])]),
        Case(
            name: "UTF-16LE export (BOM) with Vietnamese text",
            bytes: utf16Bytes("MA_XA;TEN_XA\r\n09169;Phường Vũ Ninh\r\n09163;\"Phường; cũ\"\r\n", bigEndian: false),
            options: semicolon,
            header: ["MA_XA", "TEN_XA"],
            expected: [.record(1, 2, ["09169", "Phường Vũ Ninh"]), .record(2, 3, ["09163", "Phường; cũ"])]),
        Case(
            name: "UTF-16BE export (BOM)",
            bytes: utf16Bytes("k,v\n1,Bắc Ninh 𝄞\n", bigEndian: true),
            header: ["k", "v"],
            expected: [.record(1, 2, ["1", "Bắc Ninh 𝄞"])]),
        Case(
            name: "TCVN3 school list decoded to Unicode per field",
            bytes: tcvn3Bytes("ma_truong,ten_truong,dia_chi\n27001,Trường Tiểu học Võ Cường,phường Võ Cường\n27002,\"Trường THCS Suối Hoa, TP Bắc Ninh\",đường Lý Thái Tổ\n"),
            options: CSVOptions(encoding: .tcvn3),
            header: ["ma_truong", "ten_truong", "dia_chi"],
            expected: [
                .record(1, 2, ["27001", "Trường Tiểu học Võ Cường", "phường Võ Cường"]),
                .record(2, 3, ["27002", "Trường THCS Suối Hoa, TP Bắc Ninh", "đường Lý Thái Tổ"]),
            ]),
        Case(
            name: "auto: a TCVN3 file (no BOM, not UTF-8) is read as TCVN3",
            bytes: tcvn3Bytes("ma_truong,ten_truong\r\n24001,Trường Mầm non Hoà Sơn\r\n"),
            options: CSVOptions(encoding: .auto),
            header: ["ma_truong", "ten_truong"],
            expected: [.record(1, 2, ["24001", "Trường Mầm non Hoà Sơn"])]),
        Case(
            name: "auto: a UTF-8 file is read as UTF-8",
            bytes: Array("ma_truong,ten_truong\n27001,Trường Tiểu học Võ Cường\n".utf8),
            options: CSVOptions(encoding: .auto),
            header: ["ma_truong", "ten_truong"],
            expected: [.record(1, 2, ["27001", "Trường Tiểu học Võ Cường"])]),
        Case(
            name: "auto: a UTF-8 BOM decides",
            bytes: [0xEF, 0xBB, 0xBF] + Array("k\nĐông Ngàn\n".utf8),
            options: CSVOptions(encoding: .auto),
            header: ["k"],
            expected: [.record(1, 2, ["Đông Ngàn"])]),
    ]

    func testAutoDecidesOnTheFirst64KiB() throws {
        // A long ASCII start: the decision waits for the first non-ASCII bytes within the window.
        let padding = String(repeating: "27000,Truong so\n", count: 3_000)
        for (text, encoded, expected) in [
            ("k,v\n" + padding + "24001,Trường Lý Thái Tổ\n", tcvn3Bytes, CSVTextEncoding.tcvn3),
            ("k,v\n" + padding + "24001,Trường Lý Thái Tổ\n", { Array($0.utf8) }, CSVTextEncoding.utf8),
        ] as [(String, (String) -> [UInt8], CSVTextEncoding)] {
            let decoder = try CSVStreamDecoder(options: CSVOptions(encoding: .auto))
            var last: [String?] = []
            let bytes = encoded(text)
            for start in stride(from: 0, to: bytes.count, by: 1_000) {
                try decoder.feed(Array(bytes[start..<min(bytes.count, start + 1_000)])) {
                    if case .record(let r) = $0 { last = r.values }
                }
            }
            try decoder.finish { if case .record(let r) = $0 { last = r.values } }
            XCTAssertEqual(decoder.effectiveEncoding, expected)
            XCTAssertEqual(last, ["24001", "Trường Lý Thái Tổ"])
        }
        // A window that ends inside a multi-byte sequence is still UTF-8; a lone continuation byte is not.
        XCTAssertTrue(CSVStreamDecoder.looksLikeUTF8(Array("abc Trư".utf8.dropLast())))
        XCTAssertFalse(CSVStreamDecoder.looksLikeUTF8([0x61, 0xB5, 0x62]))
        XCTAssertTrue(CSVStreamDecoder.looksLikeUTF8(Array("ascii only".utf8)))
    }

    func testSameRecordsWhateverTheChunking() throws {
        for c in cases {
            let whole = try decodeCSV(c.bytes, c.options, chunk: 0)
            XCTAssertEqual(whole.header, c.header, c.name)
            XCTAssertEqual(whole.out, c.expected, c.name)
            for chunk in [1, 2, 3, 7] {
                let split = try decodeCSV(c.bytes, c.options, chunk: chunk)
                XCTAssertEqual(split.out, c.expected, "\(c.name), chunk \(chunk)")
                XCTAssertEqual(split.header, c.header, "\(c.name), chunk \(chunk)")
            }
        }
    }

    func testTCVN3BytesReallyAreLegacy() {
        let bytes = tcvn3Bytes("Trường Tiểu học Võ Cường")
        XCTAssertEqual(bytes.count, "Trường Tiểu học Võ Cường".unicodeScalars.count)
        XCTAssertTrue(bytes.contains { $0 >= 0x80 })
        XCTAssertNil(String(validating: bytes, as: UTF8.self))
    }

    func testRejectMessagesNeverCarryValues() throws {
        let secret = "001090099999"
        let bytes = Array("cccd,ten\n\(secret)\"x,A\n\(secret),\"B\"y\n\(secret)\n\(secret),\"Kim Liên".utf8)
        var errors: [RecordError] = []
        let decoder = try CSVStreamDecoder()
        try decoder.feed(bytes) { if case .rejected(let e) = $0 { errors.append(e) } }
        try decoder.finish { if case .rejected(let e) = $0 { errors.append(e) } }
        XCTAssertEqual(errors.map(\.reason), [.strayQuote, .textAfterQuote, .fieldCount, .unterminatedQuote])
        for e in errors {
            XCTAssertFalse(e.description.contains(secret), e.description)
            XCTAssertFalse(e.description.contains("Kim"), e.description)
        }
    }

    func testOversizedRecordIsRejectedAndSkipped() throws {
        let big = String(repeating: "x", count: 5000)
        let bytes = Array("a,b\n1,\(big)\n2,ok\n".utf8)
        let result = try decodeCSV(bytes, CSVOptions(maxRecordBytes: 1000), chunk: 333)
        XCTAssertEqual(result.out, [.rejected(1, 2, "b", .recordTooLarge), .record(2, 3, ["2", "ok"])])
    }

    func testBadHeaderAndBadOptionsThrow() {
        XCTAssertThrowsError(try decodeCSV(Array("a,b\"c\n1,2\n".utf8), CSVOptions(), chunk: 0)) { error in
            XCTAssertEqual(error as? CSVError, .badHeader(line: 1, reason: .strayQuote))
        }
        XCTAssertThrowsError(try CSVStreamDecoder(options: CSVOptions(delimiter: UInt8(ascii: "\""))))
        XCTAssertThrowsError(try CSVStreamDecoder(options: CSVOptions(delimiter: 10)))
    }

    func testGzipCSVThroughTheSniffer() throws {
        let csv = [0xEF, 0xBB, 0xBF] + Array("a;b\n1;Bắc Giang\n2;\"x\ny\"\n".utf8)
        let gz = gzip(Array(csv[..<10])) + gzip(Array(csv[10...]))
        for chunk in [1, 7, gz.count] {
            let sniffer = ContentSniffer()
            let decoder = try CSVStreamDecoder(options: CSVOptions(delimiter: UInt8(ascii: ";")))
            var out: [Outcome] = []
            var i = 0
            while i < gz.count {
                let end = min(i + chunk, gz.count)
                try sniffer.feed(Array(gz[i..<end])) { piece in try decoder.feed(piece) { out.append(Outcome($0)) } }
                i = end
            }
            try sniffer.finish { piece in try decoder.feed(piece) { out.append(Outcome($0)) } }
            try decoder.finish { out.append(Outcome($0)) }
            XCTAssertEqual(out, [.record(1, 2, ["1", "Bắc Giang"]), .record(2, 3, ["2", "x\ny"])], "chunk \(chunk)")
        }
    }
}
