import Foundation
import XCTest
@testable import Ingest
@testable import Decoders

/// Feeds `bytes` to a fresh XML decoder in chunks of `chunk` bytes (0 = whole).
private func decodeXML(_ bytes: [UInt8], _ options: XMLRecordOptions, chunk: Int) throws -> [DecodeEvent] {
    let decoder = XMLRecordDecoder(options: options)
    var out: [DecodeEvent] = []
    let step = chunk == 0 ? max(bytes.count, 1) : chunk
    var i = 0
    while i < bytes.count {
        let end = min(i + step, bytes.count)
        try decoder.feed(Array(bytes[i..<end])) { out.append($0) }
        i = end
    }
    try decoder.finish { out.append($0) }
    return out
}

private func fields(_ event: DecodeEvent) -> [String]? {
    guard case .record(let r) = event else { return nil }
    return r.fields.map { "\($0.path)=\($0.value ?? "nil")" }
}

final class XMLDecoderTests: XCTestCase {
    func testRowsWithAttributesEntitiesCDATAAndCommentsInAnyChunking() throws {
        let xml = """
            \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE DATA [ <!ELEMENT DATA ANY> ]>
            <!-- danh sách doanh nghiệp -->
            <ns:DATA xmlns:ns="urn:x" nguon="dkkd">
              <ns:ROW id="1" loai='TNHH &amp; CP'>
                <MST>2300123456</MST>
                <TEN>C&#244;ng ty &lt;Kinh Bắc&gt; &quot;KB&quot; &apos;x&apos; &#x1EA1;</TEN>
                <DIA_CHI><SO_NHA>12</SO_NHA><MA_XA>09169</MA_XA></DIA_CHI>
                <GHI_CHU><![CDATA[a < b && "c" ]]]]><![CDATA[>]]></GHI_CHU>
                <TRONG/>
                <?pi ignored?>
              </ns:ROW>
              <ns:ROW id="2"><MST>2300999999-001</MST><TEN>Chi nhánh</TEN></ns:ROW>
            </ns:DATA>
            """
        let expected: [[String]] = [
            [
                "@id=1", "@loai=TNHH & CP", "MST=2300123456", "TEN=Công ty <Kinh Bắc> \"KB\" 'x' ạ",
                "DIA_CHI/SO_NHA=12", "DIA_CHI/MA_XA=09169", "GHI_CHU=a < b && \"c\" ]]>", "TRONG=nil",
            ],
            ["@id=2", "MST=2300999999-001", "TEN=Chi nhánh"],
        ]
        let bytes = Array(xml.utf8)
        for chunk in [0, 1, 2, 7, 64] {
            let events = try decodeXML(bytes, XMLRecordOptions(recordPath: "DATA/ROW"), chunk: chunk)
            XCTAssertEqual(events.compactMap(fields), expected, "chunk \(chunk)")
            XCTAssertEqual(events.count, 2)
            if case .record(let r) = events.last { XCTAssertEqual(r.number, 2) }
        }
    }

    func testMalformedDocumentsThrowTypedErrorsWithOffsetAndRecord() {
        let cases: [(String, String, XMLDecodeError.Reason, Int?)] = [
            ("mismatched end tag", "<DATA><ROW><A>1</B></ROW></DATA>", .mismatchedEndTag, 1),
            ("unknown entity", "<DATA><ROW><A>&nbsp;</A></ROW></DATA>", .unknownEntity, 1),
            ("truncated", "<DATA><ROW><A>1</A></ROW><ROW><A>2", .unexpectedEnd, 2),
            ("text outside root", "<DATA></DATA>xyz", .textOutsideRoot, nil),
            ("two roots", "<DATA/><DATA/>", .multipleRoots, nil),
            ("unquoted attribute", "<DATA><ROW a=1/></DATA>", .malformedAttribute, nil),
            ("empty", "   ", .noRootElement, nil),
        ]
        for (name, xml, reason, record) in cases {
            for chunk in [0, 3] {
                XCTAssertThrowsError(
                    try decodeXML(Array(xml.utf8), XMLRecordOptions(recordPath: "DATA/ROW"), chunk: chunk), name
                ) { error in
                    guard let e = error as? XMLDecodeError else { return XCTFail("\(name): \(error)") }
                    XCTAssertEqual(e.reason, reason, name)
                    XCTAssertEqual(e.record, record, name)
                    XCTAssertGreaterThanOrEqual(e.offset, 0, name)
                }
            }
        }
    }

    func testLargeDocumentKeepsBuffersBounded() throws {
        let decoder = XMLRecordDecoder(options: XMLRecordOptions(recordPath: "DATA/ROW"))
        var count = 0
        var maxCapacity = 0
        let row = Array("<ROW><MA>123</MA><TEN>Nguyễn Thị Bích Ngọc</TEN><GHI_CHU>\(String(repeating: "x", count: 200))</GHI_CHU></ROW>\n".utf8)
        try decoder.feed(Array("<DATA>".utf8)) { _ in }
        var chunk: [UInt8] = []
        for _ in 0..<300 { chunk += row }
        let cut = 10_007
        for _ in 0..<200 {
            try decoder.feed(Array(chunk[..<cut])) { _ in count += 1 }
            try decoder.feed(Array(chunk[cut...])) { _ in count += 1 }
            maxCapacity = max(maxCapacity, decoder.bufferCapacity)
        }
        try decoder.feed(Array("</DATA>".utf8)) { _ in count += 1 }
        try decoder.finish { _ in count += 1 }
        XCTAssertEqual(count, 60_000)
        XCTAssertLessThan(maxCapacity, 256 * 1024, "buffers grew to \(maxCapacity)")
    }

    func testInvalidUTF8TextRejectsTheRecordOnly() throws {
        let bytes = Array("<DATA><ROW><A>1</A></ROW><ROW><A>".utf8) + [0xC3, 0x28] + Array("</A></ROW><ROW><A>3</A></ROW></DATA>".utf8)
        let events = try decodeXML(bytes, XMLRecordOptions(recordPath: "DATA/ROW"), chunk: 3).map(Outcome.init)
        XCTAssertEqual(events, [.record(1, nil, ["1"]), .rejected(2, nil, "A", .invalidEncoding), .record(3, nil, ["3"])])
    }

    func testARejectedRecordCarriesTheFieldsReadSoFarAsItsRawText() throws {
        let bytes = Array("<DATA><ROW id=\"7\"><A>An</A><B>".utf8) + [0xC3, 0x28] + Array("</B><C>x</C></ROW></DATA>".utf8)
        let events = try decodeXML(bytes, XMLRecordOptions(recordPath: "DATA/ROW"), chunk: 5)
        guard case .rejected(let error)? = events.first else { return XCTFail("\(events)") }
        XCTAssertEqual(error.raw, "@id=7\nA=An\nB=\u{FFFD}(")
        XCTAssertFalse(error.description.contains("An"), error.description)
    }
}
