import Foundation
import XCTest
@testable import Ingest
@testable import Decoders

/// The health-insurance claims envelope of Decision 130/QĐ-BYT (as amended by 4750/QĐ-BYT).
final class GiamDinhEnvelopeTests: XCTestCase {
    private struct Visit {
        let maLK, cccd, hoTen, ngaySinh, gioiTinh, maTheBHYT, maBenh, ngayVao, ngayRa, tongChi: String
    }

    private static let visits = [
        Visit(
            maLK: "27001-2501-000123", cccd: "027090001234", hoTen: "Nguyễn Văn An", ngaySinh: "199001150000",
            gioiTinh: "1", maTheBHYT: "GD4272720012345", maBenh: "J06.9", ngayVao: "202501100830",
            ngayRa: "202501101130", tongChi: "350000"),
        Visit(
            maLK: "27001-2501-000124", cccd: "027185004321", hoTen: "Trần Thị Bình & con", ngaySinh: "198512300000",
            gioiTinh: "2", maTheBHYT: "HN2272720054321", maBenh: "E11", ngayVao: "202501110700",
            ngayRa: "202501151000", tongChi: "4250000.5"),
        Visit(
            maLK: "27002-2501-000001", cccd: "027201000777", hoTen: "Lê Minh Châu", ngaySinh: "201003050000",
            gioiTinh: "1", maTheBHYT: "TE1272720077777", maBenh: "A09", ngayVao: "202501120900",
            ngayRa: "202501121000", tongChi: "120000"),
    ]

    private static let fieldNames = [
        "MA_LK", "SO_CCCD", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MATINH_CU_TRU", "MAXA_CU_TRU", "MA_THE_BHYT",
        "MA_BENH_CHINH", "NGAY_VAO", "NGAY_RA", "MA_CSKCB", "T_TONGCHI_BV",
    ]

    private static func xml1(_ v: Visit) -> String {
        let values = [
            v.maLK, v.cccd, v.hoTen, v.ngaySinh, v.gioiTinh, "27", "09169", v.maTheBHYT, v.maBenh, v.ngayVao, v.ngayRa,
            "27001", v.tongChi,
        ]
        let body = zip(fieldNames, values).map { "  <\($0)>\(escape($1))</\($0)>" }.joined(separator: "\n")
        return "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<TONG_HOP>\n\(body)\n</TONG_HOP>\n"
    }

    private static func escape(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;") }

    private static func fileHoSo(_ type: String, _ document: String, typeFirst: Bool = true) -> String {
        let content = Data(document.utf8).base64EncodedString(options: .lineLength76Characters)
        let t = "<LOAIHOSO>\(type)</LOAIHOSO>"
        let c = "<NOIDUNGFILE>\(content)</NOIDUNGFILE>"
        return "<FILEHOSO>\(typeFirst ? t + c : c + t)</FILEHOSO>"
    }

    private static func envelope(_ hoSo: [String]) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <GIAMDINHHS>
          <THONGTINDONVI><MACSKCB>27001</MACSKCB></THONGTINDONVI>
          <THONGTINHOSO>
            <NGAYLAP>20250131</NGAYLAP>
            <SOLUONGHOSO>\(hoSo.count)</SOLUONGHOSO>
            <DANHSACHHOSO>
        \(hoSo.map { "<HOSO>\($0)</HOSO>" }.joined(separator: "\n"))
            </DANHSACHHOSO>
          </THONGTINHOSO>
          <CHUKYDONVI/>
        </GIAMDINHHS>
        """
    }

    private let options = XMLRecordOptions(
        recordPath: "GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO",
        embedded: EmbeddedXMLOptions(element: "NOIDUNGFILE", typeElement: "LOAIHOSO", types: ["XML1"], recordPath: "TONG_HOP"))

    private func decode(_ xml: String, chunk: Int) throws -> [DecodeEvent] {
        let decoder = XMLRecordDecoder(options: options)
        let bytes = Array(xml.utf8)
        var out: [DecodeEvent] = []
        var i = 0
        let step = chunk == 0 ? bytes.count : chunk
        while i < bytes.count {
            let end = min(i + step, bytes.count)
            try decoder.feed(Array(bytes[i..<end])) { out.append($0) }
            i = end
        }
        try decoder.finish { out.append($0) }
        return out
    }

    func testTwoFileHoSoEachEmbeddingXML1() throws {
        let v = Self.visits
        let xml = Self.envelope([
            Self.fileHoSo("XML1", Self.xml1(v[0])) + Self.fileHoSo("XML2", "<CHITIEU_CHITIET_THUOC/>"),
            Self.fileHoSo("XML1", Self.xml1(v[1])) + Self.fileHoSo("XML3", "not even xml"),
        ])
        for chunk in [0, 1, 7, 100] {
            let events = try decode(xml, chunk: chunk)
            XCTAssertEqual(events.count, 2, "chunk \(chunk)")
            for (k, event) in events.enumerated() {
                guard case .record(let r) = event else { return XCTFail("chunk \(chunk): \(event)") }
                XCTAssertEqual(r.number, k + 1)
                XCTAssertEqual(r.origin, EmbeddedOrigin(outerRecord: k + 1, fileType: "XML1"))
                XCTAssertEqual(r.schema.paths, Self.fieldNames)
                XCTAssertEqual(r["MA_LK"], v[k].maLK)
                XCTAssertEqual(r["SO_CCCD"], v[k].cccd)
                XCTAssertEqual(r["HO_TEN"], v[k].hoTen)
                XCTAssertEqual(r["NGAY_SINH"], v[k].ngaySinh)
                XCTAssertEqual(r["MAXA_CU_TRU"], "09169")
                XCTAssertEqual(r["MA_BENH_CHINH"], v[k].maBenh)
                XCTAssertEqual(r["T_TONGCHI_BV"], v[k].tongChi)
            }
        }
    }

    func testBadEmbeddedFilesAreRejectedAndTheRestDecodes() throws {
        let v = Self.visits
        let broken = Data(Self.xml1(v[1]).utf8.dropLast(30)).base64EncodedString()
        let xml = Self.envelope([
            "<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>@@not base64@@</NOIDUNGFILE></FILEHOSO>",
            "<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>\(broken)</NOIDUNGFILE></FILEHOSO>",
            "<FILEHOSO><NOIDUNGFILE>QUJD</NOIDUNGFILE></FILEHOSO>",
            Self.fileHoSo("XML1", Self.xml1(v[2]), typeFirst: false),
        ])
        for chunk in [0, 5] {
            let events = try decode(xml, chunk: chunk)
            let summary = events.map { event -> String in
                switch event {
                case .record(let r): "record \(r.number) outer \(r.origin?.outerRecord ?? 0) \(r["MA_LK"] ?? "-")"
                case .rejected(let e): "rejected \(e.record) \(e.field ?? "-") \(e.reason.rawValue)"
                }
            }
            XCTAssertEqual(
                summary,
                [
                    "rejected 1 FILEHOSO/NOIDUNGFILE invalid_base64",
                    "rejected 2 FILEHOSO/NOIDUNGFILE invalid_embedded_xml",
                    "rejected 3 FILEHOSO/NOIDUNGFILE missing_file_type",
                    "record 1 outer 4 \(v[2].maLK)",
                ], "chunk \(chunk)")
            for case .rejected(let e) in events {
                XCTAssertFalse(e.description.contains(v[1].cccd))
                XCTAssertFalse(e.description.contains("Bình"))
            }
        }
    }
}

extension GiamDinhEnvelopeTests {
    /// A large embedded XML2 (drug lines) is decoded as its base64 streams in: the tokenizer and base64 buffers
    /// stay small (the document's records are held until it ends, all or nothing), and over the limit it is rejected.
    func testLargeEmbeddedDocumentStreamsWithBoundedBuffers() throws {
        var inner = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC>\n"
        let lines = 20_000
        for i in 1...lines {
            inner += "<CHI_TIET_THUOC><MA_LK>27001-2501-000123</MA_LK><STT>\(i)</STT><MA_THUOC>40.\(i % 900)</MA_THUOC><TEN_THUOC>Paracetamol 500mg</TEN_THUOC><SO_LUONG>\(i % 30 + 1)</SO_LUONG><THANH_TIEN_BV>\(i * 1000)</THANH_TIEN_BV></CHI_TIET_THUOC>\n"
        }
        inner += "</DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>\n"
        let base64 = Data(inner.utf8).base64EncodedString()
        let xml = Array(
            Self.envelope([
                "<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>\(Data(Self.xml1(Self.visits[0]).utf8).base64EncodedString())</NOIDUNGFILE></FILEHOSO><FILEHOSO><LOAIHOSO>XML2</LOAIHOSO><NOIDUNGFILE>\(base64)</NOIDUNGFILE></FILEHOSO>"
            ]).utf8)
        XCTAssertGreaterThan(xml.count, 5_000_000)
        let decoder = XMLRecordDecoder(
            options: XMLRecordOptions(
                recordPath: "GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO",
                embedded: EmbeddedXMLOptions(
                    element: "NOIDUNGFILE", typeElement: "LOAIHOSO", types: ["XML2"],
                    recordPath: "CHITIEU_CHITIET_THUOC/DSACH_CHI_TIET_THUOC/CHI_TIET_THUOC"),
                maxRecordBytes: 16 << 20))
        var records: [DecodedRecord] = []
        var maxCapacity = 0
        var i = 0
        while i < xml.count {
            let end = min(i + 65_536, xml.count)
            try decoder.feed(Array(xml[i..<end])) { if case .record(let r) = $0 { records.append(r) } }
            maxCapacity = max(maxCapacity, decoder.bufferCapacity)
            i = end
        }
        try decoder.finish { if case .record(let r) = $0 { records.append(r) } }
        XCTAssertEqual(records.count, lines)
        XCTAssertEqual(records.last?["STT"], String(lines))
        XCTAssertEqual(records.last?.number, lines)
        XCTAssertEqual(records.first?.origin, EmbeddedOrigin(outerRecord: 1, fileType: "XML2"))
        XCTAssertLessThan(maxCapacity, 512 * 1024, "buffers grew to \(maxCapacity) for a \(xml.count)-byte envelope")

        // The same envelope with a 1 MiB limit: the XML2 file is rejected whole, none of its records come out.
        let strict = XMLRecordDecoder(
            options: XMLRecordOptions(
                recordPath: "GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO",
                embedded: EmbeddedXMLOptions(
                    element: "NOIDUNGFILE", typeElement: "LOAIHOSO", types: ["XML2"],
                    recordPath: "CHITIEU_CHITIET_THUOC/DSACH_CHI_TIET_THUOC/CHI_TIET_THUOC"),
                maxRecordBytes: 1 << 20))
        var outcomes: [String] = []
        try strict.feed(xml) { event in
            switch event {
            case .record(let r): outcomes.append("record \(r.origin?.fileType ?? "-")")
            case .rejected(let e): outcomes.append("rejected \(e.record) \(e.reason.rawValue)")
            }
        }
        try strict.finish { _ in outcomes.append("late") }
        XCTAssertEqual(outcomes, ["rejected 1 record_too_large"])
    }
}
