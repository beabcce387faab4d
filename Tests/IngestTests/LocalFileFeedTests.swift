import Foundation
import Ingest
import Manifest
import Postgres
import TestSupport
import Warehouse
import XCTest
@testable import Decoders

/// Feeds read from local files (a path or a glob instead of an HTTP URL): gzip CSV exports and the
/// health-insurance XML envelope with base64-embedded XML1 files.
final class LocalFileFeedTests: DatabaseTestCase {
    override var databasePrefix: String { "files" }
    var folder: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrate(connection)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    func load(_ yaml: String) async throws -> StagingLoad.Report {
        let name = yaml.split(separator: "\n")[0].replacingOccurrences(of: "name: ", with: "")
        let result = ManifestLoader(knownSemantics: ManifestCatalog.knownSemantics).load(yaml: yaml, file: "\(name).yaml")
        guard let manifest = result.manifest, result.isValid else {
            throw NSError(domain: "manifest", code: 1, userInfo: [NSLocalizedDescriptionKey: result.issues.map(\.description).joined(separator: "\n")])
        }
        let runID = try RunLedger.start(connection, pipeline: "test", kind: .ingest)
        return try await ConnectorRunner(manifest: manifest).run(connection: connection, runID: runID)
    }

    func testAGlobOfGzipCSVExports() async throws {
        for month in ["2025-05", "2025-06"] {
            let csv = "\u{FEFF}so_dinh_danh;ma_so_bhxh;ky\r\n" + (1...4).map { "02709000000\($0);270100000\($0);\(month)" }.joined(separator: "\r\n")
            try Data(try InsuranceSource.gzip(Array(csv.utf8))).write(to: folder.appendingPathComponent("bhxh-\(month).csv.gz"))
        }
        try Data("not a feed".utf8).write(to: folder.appendingPathComponent("README.txt"))
        let report = try await load(
            """
            name: bhxh_files
            kind: csv
            request:
              url: file://\(folder.path)/bhxh-*.csv.gz
            records:
              csv: {delimiter: ";", header: true}
            primary_key: [insurance_code, period]
            fields:
              citizen_id: {path: so_dinh_danh, type: text, semantic: vn_citizen_id}
              insurance_code: {path: ma_so_bhxh, type: text, required: true}
              period: {path: ky, type: date, format: yyyy-MM, required: true}
            """)
        XCTAssertEqual(report.rowsStaged, 8)
        XCTAssertEqual(
            try connection.query("SELECT count(DISTINCT period) AS n FROM staging.bhxh_files")[0].decode(Int.self, "n"), 2)
    }

    func testTheHealthInsuranceEnvelopeIsUnpacked() async throws {
        func xml1(_ maLK: String, _ cccd: String, _ name: String) -> String {
            """
            <?xml version="1.0" encoding="utf-8"?>
            <TONG_HOP><MA_LK>\(maLK)</MA_LK><SO_CCCD>\(cccd)</SO_CCCD><HO_TEN>\(name)</HO_TEN><NGAY_SINH>199003050000</NGAY_SINH>
            <MA_BENH_CHINH>J06.9</MA_BENH_CHINH><T_TONGCHI_BV>350000</T_TONGCHI_BV></TONG_HOP>
            """
        }
        func hoso(_ documents: [(String, String)]) -> String {
            "<HOSO>" + documents.map { type, body in
                "<FILEHOSO><LOAIHOSO>\(type)</LOAIHOSO><NOIDUNGFILE>\(Data(body.utf8).base64EncodedString())</NOIDUNGFILE></FILEHOSO>"
            }.joined() + "</HOSO>"
        }
        let envelope = """
            <?xml version="1.0" encoding="utf-8"?>
            <GIAMDINHHS><THONGTINDONVI><MACSKCB>27001</MACSKCB></THONGTINDONVI><THONGTINHOSO><NGAYLAP>20250131</NGAYLAP>
            <DANHSACHHOSO>
            \(hoso([("XML1", xml1("LK001", "027090000001", "Nguyễn Văn An")), ("XML2", "<CHI_TIET_THUOC/>")]))
            \(hoso([("XML1", xml1("LK002", "024190000002", "Trần Thị Bình"))]))
            </DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>
            """
        try Data(envelope.utf8).write(to: folder.appendingPathComponent("27001-20250131.xml"))
        let report = try await load(
            """
            name: claims_files
            kind: xml
            request:
              url: file://\(folder.path)/*.xml
            records:
              element: GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO
              embedded:
                content: NOIDUNGFILE
                type_element: LOAIHOSO
                types: [XML1]
                element: TONG_HOP
            primary_key: [ma_lk]
            fields:
              ma_lk: {path: MA_LK, type: text, required: true}
              so_cccd: {path: SO_CCCD, type: text, semantic: vn_citizen_id}
              ho_ten: {path: HO_TEN, type: text, semantic: vn_person_name}
              ma_benh_chinh: {path: MA_BENH_CHINH, type: text}
              t_tongchi_bv: {path: T_TONGCHI_BV, type: numeric}
            """)
        XCTAssertEqual(report.rowsStaged, 2)
        let rows = try connection.query("SELECT ma_lk, ho_ten, t_tongchi_bv::text AS t FROM staging.claims_files ORDER BY ma_lk")
        XCTAssertEqual(try rows.map { try $0.decode(String.self, "ho_ten") }, ["Nguyễn Văn An", "Trần Thị Bình"])
        XCTAssertEqual(try rows[0].decode(String.self, "t"), "350000")
    }

    /// A record the CSV decoder cannot read lands in citypipe.rejects with feed, run, position, field, reason and
    /// its raw text; title lines (`skip_lines`) are skipped; the error message never holds the raw text.
    func testDecodeRejectsKeepTheirRawTextAndTitleLinesAreSkipped() async throws {
        let csv = "\u{FEFF}DANH SÁCH \"HỘ\", tháng 3\r\nma,ten\r\n1,An\r\n2,\"Bình\"x\r\n3,Chi,extra\r\n4,Dũng\r\n"
        try Data(csv.utf8).write(to: folder.appendingPathComponent("people.csv"))
        let manifest = """
            name: people_files
            kind: csv
            request:
              url: file://\(folder.path)/people.csv
            records:
              csv: {header: true, bom: required, skip_lines: 1}
            primary_key: [ma]
            max_reject_ratio: 0.9
            fields:
              ma: {path: ma, type: text, required: true}
              ten: {path: ten, type: text}
            """
        let report = try await load(manifest)
        XCTAssertEqual(report.rowsStaged, 2)
        let rejects = try connection.query(
            "SELECT feed, run_id IS NOT NULL AS has_run, position, field, reason, raw FROM citypipe.rejects WHERE feed = 'people_files' ORDER BY position")
        XCTAssertEqual(try rejects.map { try $0.decode(String.self, "feed") }, ["people_files", "people_files"])
        XCTAssertEqual(try rejects.map { try $0.decode(Bool.self, "has_run") }, [true, true])
        XCTAssertEqual(try rejects.map { try $0.decode(Int.self, "position") }, [2, 3])
        XCTAssertEqual(try rejects.map { try $0.decode(String?.self, "field") }, ["ten", nil])
        XCTAssertEqual(try rejects.map { try $0.decode(String.self, "reason").hasPrefix("text_after_quote") }, [true, false])
        XCTAssertEqual(try rejects.map { try $0.decode(String?.self, "raw") }, ["2,\"Bình\"x", "3,Chi,extra"])
    }

    /// `bom: required` and a file without one: a typed error naming the feed, the file and what to do.
    func testARequiredBOMThatIsMissingFailsTheLoadNamingFeedAndFile() async throws {
        try Data("ma,ten\r\n1,An\r\n".utf8).write(to: folder.appendingPathComponent("nobom.csv"))
        do {
            _ = try await load(
                """
                name: nobom_files
                kind: csv
                request:
                  url: file://\(folder.path)/nobom.csv
                records:
                  csv: {bom: required}
                primary_key: [ma]
                fields:
                  ma: {path: ma, type: text, required: true}
                  ten: {path: ten, type: text}
                """)
            XCTFail("a file without a BOM was loaded")
        } catch let error as CSVDocumentError {
            XCTAssertEqual(error.feed, "nobom_files")
            XCTAssertEqual(error.error, .missingBOM)
            XCTAssertTrue(error.description.contains("nobom.csv"), error.description)
            XCTAssertTrue(error.description.contains("re-export"), error.description)
            XCTAssertFalse(error.description.contains("An"), error.description)
        }
    }

    /// `encoding: utf-16` is UTF-16 whose byte order the BOM gives, little-endian without one (as the manifest
    /// reference says): a file without a BOM is not read as UTF-8.
    func testUTF16WithoutAByteOrderMarkIsReadAsUTF16LittleEndian() async throws {
        let csv = "ma_xa,ten_xa\r\n09169,Phường Vũ Ninh\r\n07210,Phường Bắc Giang\r\n"
        var littleEndian: [UInt8] = []
        for unit in csv.utf16 { littleEndian += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        try Data(littleEndian).write(to: folder.appendingPathComponent("xa-utf16.csv"))
        var bigEndian: [UInt8] = [0xFE, 0xFF]
        for unit in csv.utf16 { bigEndian += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        try Data(bigEndian).write(to: folder.appendingPathComponent("xa-utf16-bom.csv"))
        for (file, name) in [("xa-utf16.csv", "xa_no_bom"), ("xa-utf16-bom.csv", "xa_bom")] {
            let report = try await load(
                """
                name: \(name)
                kind: csv
                request:
                  url: file://\(folder.path)/\(file)
                records:
                  csv: {delimiter: ",", header: true, encoding: utf-16}
                primary_key: [code]
                fields:
                  code: {path: ma_xa, type: text, required: true}
                  ward: {path: ten_xa, type: text}
                """)
            XCTAssertEqual(report.rowsStaged, 2, file)
            let names = try connection.query("SELECT ward FROM staging.\(name) ORDER BY code").map { try $0.decode(String.self, "ward") }
            XCTAssertEqual(names, ["Phường Bắc Giang", "Phường Vũ Ninh"], file)
        }
    }
}
