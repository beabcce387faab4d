import Foundation
import XCTest
@testable import Ingest
@testable import Decoders

/// Decode-level rejects carry the record's raw text (for `citypipe.rejects` only); `bom: required` and
/// `skip_lines` are enforced by the decoder.
final class CSVRawAndOptionsTests: XCTestCase {
    /// Every reject with its raw text, whatever the chunking.
    private func rejects(_ bytes: [UInt8], _ options: CSVOptions = CSVOptions(), chunk: Int) throws -> [RecordError] {
        let decoder = try CSVStreamDecoder(options: options)
        var errors: [RecordError] = []
        let step = chunk == 0 ? max(bytes.count, 1) : chunk
        var i = 0
        while i < bytes.count {
            let end = min(i + step, bytes.count)
            try decoder.feed(Array(bytes[i..<end])) { if case .rejected(let e) = $0 { errors.append(e) } }
            i = end
        }
        try decoder.finish { if case .rejected(let e) = $0 { errors.append(e) } }
        return errors
    }

    func testEveryDecodeRejectCarriesItsRawTextButNotInItsDescription() throws {
        let text = "cccd,ten\r\n001\"x,A\r\n002,\"B\"y\r\n003\r\n004,ok\r\n005,\"Kim\r\nLiên\",x\r\n006,\"Kim Liên"
        for chunk in [0, 1, 2, 3, 5, 7, 64] {
            let errors = try rejects(Array(text.utf8), chunk: chunk)
            XCTAssertEqual(errors.map(\.reason), [.strayQuote, .textAfterQuote, .fieldCount, .fieldCount, .unterminatedQuote], "chunk \(chunk)")
            XCTAssertEqual(
                errors.map(\.raw), ["001\"x,A", "002,\"B\"y", "003", "005,\"Kim\r\nLiên\",x", "006,\"Kim Liên"], "chunk \(chunk)")
            XCTAssertEqual(errors.map(\.line), [2, 3, 4, 6, 8], "chunk \(chunk)")
            for e in errors {
                XCTAssertFalse(e.description.contains("Kim"), e.description)
                XCTAssertFalse(e.description.contains("00"), e.description)
            }
        }
    }

    func testLegacyRawTextIsDecodedAndOversizedRawTextIsBounded() throws {
        let bytes = Array("ma,ten\n".utf8) + tcvn3Bytes("1,Trường,x\n2,ok\n")
        let errors = try rejects(bytes, CSVOptions(encoding: .tcvn3), chunk: 4)
        XCTAssertEqual(errors.map(\.raw), ["1,Trường,x"])
        let big = String(repeating: "x", count: 5000)
        let oversized = try rejects(Array("a,b\n1,\(big)\n2,ok\n".utf8), CSVOptions(maxRecordBytes: 1000), chunk: 333)
        XCTAssertEqual(oversized.map(\.reason), [.recordTooLarge])
        XCTAssertEqual(oversized.first?.raw?.utf8.count, 1000)
        XCTAssertEqual(oversized.first?.raw?.hasPrefix("1,xxx"), true)
    }

    func testARequiredBOMThatIsMissingFailsTheDocument() throws {
        let options = CSVOptions(bom: .required)
        XCTAssertThrowsError(try decodeCSV(Array("a,b\n1,2\n".utf8), options, chunk: 1)) { error in
            XCTAssertEqual(error as? CSVError, .missingBOM)
            XCTAssertTrue(String(describing: error).contains("records.csv.bom"))
        }
        XCTAssertThrowsError(try decodeCSV(Array("\n".utf8), options, chunk: 0)) { XCTAssertEqual($0 as? CSVError, .missingBOM) }
        XCTAssertEqual(try decodeCSV([], options, chunk: 0).out, [], "an empty document has no records to doubt")
        let withBOM = try decodeCSV([0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8), options, chunk: 1)
        XCTAssertEqual(withBOM.header, ["a", "b"])
        XCTAssertEqual(withBOM.out, [.record(1, 2, ["1", "2"])])
        let utf16 = try decodeCSV(utf16Bytes("a,b\n1,2\n", bigEndian: false), options, chunk: 3)
        XCTAssertEqual(utf16.out, [.record(1, 2, ["1", "2"])])
        // bom: none keeps the bytes in the first column's name.
        let kept = try decodeCSV([0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8), CSVOptions(bom: .none), chunk: 0)
        XCTAssertEqual(kept.header, ["\u{FEFF}a", "b"])
    }

    func testSkipLinesSkipsTitleLinesBeforeTheHeaderAndCountsThem() throws {
        let text = "\u{FEFF}BÁO CÁO \"DANH SÁCH\", tháng 3\r\nĐơn vị: Sở GD&ĐT\r\nma,ten\r\n1,An\r\n2,\"Bình\"\r\n"
        for chunk in [0, 1, 2, 5, 11] {
            let result = try decodeCSV(Array(text.utf8), CSVOptions(skipLines: 2), chunk: chunk)
            XCTAssertEqual(result.header, ["ma", "ten"], "chunk \(chunk)")
            XCTAssertEqual(result.out, [.record(1, 4, ["1", "An"]), .record(2, 5, ["2", "Bình"])], "chunk \(chunk)")
        }
        let noHeader = try decodeCSV(
            Array("title\n1,An\n".utf8), CSVOptions(hasHeader: false, columnNames: ["ma", "ten"], skipLines: 1), chunk: 1)
        XCTAssertEqual(noHeader.out, [.record(1, 2, ["1", "An"])])
        let cr = try decodeCSV(Array("t1\rt2\r\nma\r1\r".utf8), CSVOptions(skipLines: 2), chunk: 1)
        XCTAssertEqual(cr.header, ["ma"])
        XCTAssertEqual(cr.out, [.record(1, 4, ["1"])])
    }
}
