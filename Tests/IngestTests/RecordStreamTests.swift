import XCTest
@testable import Ingest
@testable import Decoders

final class RecordStreamTests: XCTestCase {
    private func run(_ body: [UInt8], _ decoder: any StreamingRecordDecoder, chunk: Int) throws -> [Outcome] {
        let stream = RecordStream(decoder: decoder, inflateChunkSize: 1024)
        var out: [Outcome] = []
        var i = 0
        while i < body.count {
            let end = min(i + chunk, body.count)
            try stream.feed(Array(body[i..<end])) { out.append(Outcome($0)) }
            i = end
        }
        try stream.finish { out.append(Outcome($0)) }
        XCTAssertEqual(stream.rawBytes, body.count)
        return out
    }

    func testGzipXMLAndPlainCSVBodies() throws {
        let xml = Array("<DATA><ROW><A>1</A></ROW><ROW><A>2</A></ROW></DATA>".utf8)
        for chunk in [1, 7, 4096] {
            let out = try run(gzip(xml), XMLRecordDecoder(options: XMLRecordOptions(recordPath: "DATA/ROW")), chunk: chunk)
            XCTAssertEqual(out, [.record(1, nil, ["1"]), .record(2, nil, ["2"])])
            let csv = try run(Array("a\n1\n".utf8), try CSVStreamDecoder(), chunk: chunk)
            XCTAssertEqual(csv, [.record(1, 2, ["1"])])
        }
    }

    func testTruncatedGzipBodyFailsInsteadOfLoadingHalf() throws {
        let body = gzip(Array((0..<2000).map { "\($0),x\n" }.joined().utf8))
        let cut = Array(body[..<(body.count - 20)])
        XCTAssertThrowsError(try run(cut, try CSVStreamDecoder(options: CSVOptions(hasHeader: false)), chunk: 512)) {
            guard case InflateError.truncated = $0 else { return XCTFail("\($0)") }
        }
    }

    func testVNIEncodedFieldsAreDecoded() throws {
        // VNI-Windows bytes as they sit in the file (shown here as Latin-1).
        let latin1 = "ma,ten\n1,Tröôøng Tieåu hoïc Voõ Cöôøng\n"
        let bytes = latin1.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        let out = try decodeCSV(bytes, CSVOptions(encoding: .vni), chunk: 3)
        XCTAssertEqual(out.out, [.record(1, 2, ["1", "Trường Tiểu học Võ Cường"])])
    }
}
