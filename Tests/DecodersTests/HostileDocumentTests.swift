import CZlib
import Foundation
import XCTest
import TestSupport
@testable import Decoders

/// Hostile JSON pages, XML documents, gzip and base64: a reject or an error naming what is wrong, never a crash,
/// a hang, or memory that grows with the attack.
final class HostileDocumentTests: XCTestCase {
    // MARK: - JSON

    /// 100,000 nested arrays inside a record: the direct reader gives up at its depth limit and the general
    /// reader (Foundation) refuses the page with an error; nothing overflows the stack.
    func testDeeplyNestedJSONIsRefusedWithAnError() throws {
        let depth = 100_000
        let page = Array("{\"data\":[{\"ma\":\"1\",\"x\":".utf8) + [UInt8](repeating: UInt8(ascii: "["), count: depth)
            + [UInt8](repeating: UInt8(ascii: "]"), count: depth) + Array("}]}".utf8)
        let direct = try XCTUnwrap(DirectJSONPageReader(recordsPath: "data", nextPath: nil, sourcePaths: ["ma"]))
        XCTAssertThrowsError(try page.withUnsafeBytes { try direct.read($0, firstNumber: 1) })
        let extractor = try JSONRecordExtractor(recordsPath: "data")
        XCTAssertThrowsError(try extractor.extract(page: Data(page))) { error in
            XCTAssertFalse(String(describing: error).isEmpty)
        }
    }

    /// `\u0000` cannot be staged: the direct reader hands the page to the general path (which rejects the
    /// record, naming the field: `ConnectorRunner`), instead of staging a NUL.
    func testANULEscapeLeavesTheDirectReader() throws {
        let page = Array(#"{"data":[{"ma":"1","ten":"A\u0000n"}]}"#.utf8)
        let direct = try XCTUnwrap(DirectJSONPageReader(recordsPath: "data", nextPath: nil, sourcePaths: ["ma", "ten"]))
        XCTAssertThrowsError(try page.withUnsafeBytes { try direct.read($0, firstNumber: 1) }) { error in
            XCTAssertEqual((error as? DirectJSONFallback)?.reason, "NUL escape")
        }
        let general = try JSONRecordExtractor(recordsPath: "data").extract(page: Data(page))
        XCTAssertEqual(general.records.first?.values.last ?? nil, "A\u{0}n")
        XCTAssertEqual(JSONText.object([("ten", "A\u{0}n")]), #"{"ten":"A\ufffdn"}"#)
    }

    /// 0xFF in every position of a page: either the page is refused with an error (invalid JSON), or — inside
    /// a string the direct reader does not validate — never staged as text that is not UTF-8.
    func testInvalidUTF8InEveryPositionOfAPageNeverYieldsInvalidText() throws {
        let page = Array(#"{"data":[{"ma":"1","ten":"Lê Văn Hùng"}],"next":"c2"}"#.utf8)
        let direct = try XCTUnwrap(DirectJSONPageReader(recordsPath: "data", nextPath: "next", sourcePaths: ["ma", "ten"]))
        let extractor = try JSONRecordExtractor(recordsPath: "data", nextPath: "next")
        for position in 0...page.count {
            var poisoned = page
            poisoned.insert(0xFF, at: position)
            if let read = try? poisoned.withUnsafeBytes({ try direct.read($0, firstNumber: 1) }) {
                for record in read.records {
                    for value in read.values(of: record, in: poisoned) {
                        if let value { XCTAssertFalse(value.unicodeScalars.contains("\u{FFFD}"), "position \(position)") }
                    }
                }
            } else {
                XCTAssertThrowsError(try extractor.extract(page: Data(poisoned)), "position \(position)")
            }
        }
    }

    // MARK: - XML

    private func xml(_ recordPath: String = "DS/HOSO") -> XMLRecordDecoder {
        XMLRecordDecoder(options: XMLRecordOptions(recordPath: recordPath))
    }

    /// "Billion laughs": ten entities of ten references each. CityPipe never expands a DOCTYPE's entities: the
    /// first reference is an error naming it, after reading a few hundred bytes.
    func testBillionLaughsIsRefusedWithoutExpansion() throws {
        var doctype = "<?xml version=\"1.0\"?>\n<!DOCTYPE DS [\n <!ENTITY lol \"lol\">\n"
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            doctype += " <!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
        }
        doctype += "]>\n<DS><HOSO><MA>1</MA><GHICHU>&lol9;</GHICHU></HOSO></DS>\n"
        resetPeakRSS()
        let before = peakRSS()
        let outcome = decode(xml(), [Array(doctype.utf8)])
        let error = try XCTUnwrap(outcome.error as? XMLDecodeError)
        XCTAssertEqual(error.reason, .unknownEntity)
        XCTAssertTrue(error.message.contains("&lol9;"))
        XCTAssertTrue(error.message.contains("never expanded"))
        XCTAssertEqual(outcome.records.count, 0)
        XCTAssertLessThan(peakRSS() - before, 16 << 20)
    }

    /// An external entity (XXE) is neither fetched nor read: the reference is an unknown entity.
    func testExternalEntitiesAreNeverResolved() throws {
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE DS [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY net SYSTEM "http://127.0.0.1:9/x"> ]>
            <DS><HOSO><MA>1</MA><GHICHU>&xxe;</GHICHU></HOSO></DS>
            """
        let outcome = decode(xml(), [Array(text.utf8)])
        XCTAssertEqual((outcome.error as? XMLDecodeError)?.reason, .unknownEntity)
        XCTAssertFalse(outcome.errorText.contains("root:"))
    }

    /// A DOCTYPE alone (no entity used) is skipped, and the records are read.
    func testADoctypeWithoutEntityReferencesIsSkipped() throws {
        let text = "<?xml version=\"1.0\"?><!DOCTYPE DS SYSTEM \"ds.dtd\"><DS><HOSO><MA>1</MA></HOSO></DS>"
        let outcome = decode(xml(), [Array(text.utf8)])
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.records.map { $0["MA"] ?? nil }, ["1"])
    }

    /// 100,000 nested elements: refused at the tokenizer's depth limit, in bounded memory.
    func testXMLNestedOneHundredThousandDeepIsRefusedAtTheDepthLimit() throws {
        let depth = 100_000
        var text = Array("<DS><HOSO><MA>1</MA><X>".utf8)
        for _ in 0..<depth { text += Array("<a>".utf8) }
        for _ in 0..<depth { text += Array("</a>".utf8) }
        text += Array("</X></HOSO></DS>".utf8)
        resetPeakRSS()
        let before = peakRSS()
        let outcome = decode(xml(), stride(from: 0, to: text.count, by: 4096).map { Array(text[$0..<min($0 + 4096, text.count)]) })
        let error = try XCTUnwrap(outcome.error as? XMLDecodeError)
        XCTAssertEqual(error.reason, .tooDeep)
        XCTAssertEqual(error.record, 1)
        XCTAssertLessThan(peakRSS() - before, 32 << 20)
    }

    func testInvalidUTF8InEveryPositionOfAFieldIsRejectedNamingIt() throws {
        let value = Array("Nguyễn Văn An".utf8)
        for position in 0...value.count {
            var poisoned = value
            poisoned.insert(0xFF, at: position)
            let text = Array("<DS><HOSO><MA>1</MA><HO_TEN>".utf8) + poisoned
                + Array("</HO_TEN></HOSO><HOSO><MA>2</MA><HO_TEN>B</HO_TEN></HOSO></DS>".utf8)
            let outcome = decode(xml(), [text])
            XCTAssertNil(outcome.error, "position \(position)")
            XCTAssertEqual(outcome.rejects.map(\.reason), [.invalidEncoding], "position \(position)")
            XCTAssertEqual(outcome.rejects.first?.field, "HO_TEN", "position \(position)")
            XCTAssertEqual(outcome.rejects.first?.record, 1, "position \(position)")
            XCTAssertEqual(outcome.records.map { $0["MA"] ?? nil }, ["2"], "position \(position)")
        }
    }

    func testNULBytesInXMLTextAreRejectedNamingTheField() throws {
        let text = Array("<DS><HOSO><MA>1</MA><TEN>A".utf8) + [0] + Array("n</TEN></HOSO><HOSO><MA>2</MA></HOSO></DS>".utf8)
        let outcome = decode(xml(), [text])
        XCTAssertEqual(outcome.rejects.map(\.reason), [.nulByte])
        XCTAssertEqual(outcome.rejects.first?.field, "TEN")
        XCTAssertEqual(outcome.records.map { $0["MA"] ?? nil }, ["2"])
    }

    /// Two documents concatenated, the second with its BOM: an error at the second root, not a silent merge.
    func testAByteOrderMarkInTheMiddleOfAnXMLStreamIsAnError() throws {
        let one = "\u{FEFF}<DS><HOSO><MA>1</MA></HOSO></DS>\n"
        let outcome = decode(xml(), [Array((one + one).utf8)])
        XCTAssertNotNil(outcome.error as? XMLDecodeError)
        XCTAssertEqual(outcome.records.count, 1)
    }

    // MARK: - gzip

    /// 1 GiB of zeros gzipped (about 1 MiB, a ratio above 1,000:1) against a limit of 200: the inflater stops
    /// after a few MiB of output with an error saying the ratio and the manifest key.
    func testAGzipBombStopsAtTheRatioLimitInBoundedMemory() throws {
        let bomb = try gzip(zeros: 1 << 30)
        XCTAssertGreaterThan((1 << 30) / bomb.count, 1000)
        resetPeakRSS()
        let before = peakRSS()
        let sniffer = ContentSniffer(maxInflateRatio: 200)
        var inflated = 0
        XCTAssertThrowsError(
            try bomb.withUnsafeBytes { raw in
                for start in stride(from: 0, to: raw.count, by: 65_536) {
                    try sniffer.feed(UnsafeRawBufferPointer(rebasing: raw[start..<min(start + 65_536, raw.count)])) { inflated += $0.count }
                }
                try sniffer.finish { inflated += $0.count }
            }
        ) { error in
            guard case .ratioExceeded(let limit, _, _) = error as? InflateError else { return XCTFail("\(error)") }
            XCTAssertEqual(limit, 200)
            XCTAssertTrue(String(describing: error).contains("records.max_inflate_ratio"))
        }
        XCTAssertLessThan(inflated, 256 << 20)
        XCTAssertLessThan(peakRSS() - before, 64 << 20)
        // Without a limit the same stream inflates whole (the limit is what stops it).
        let unlimited = ContentSniffer()
        var total = 0
        try bomb.withUnsafeBytes { raw in try unlimited.feed(raw) { total += $0.count } }
        try unlimited.finish { total += $0.count }
        XCTAssertEqual(total, 1 << 30)
    }

    /// Gzip of `zeros` zero bytes, compressed a MiB at a time.
    private func gzip(zeros: Int) throws -> [UInt8] {
        var stream = z_stream()
        XCTAssertEqual(deflateInit2_(&stream, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)), Z_OK)
        defer { deflateEnd(&stream) }
        var input = [UInt8](repeating: 0, count: 1 << 20)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        for chunk in 0..<(zeros >> 20) {
            let flush = chunk == (zeros >> 20) - 1 ? Z_FINISH : Z_NO_FLUSH
            input.withUnsafeMutableBufferPointer { inp in
                stream.next_in = inp.baseAddress
                stream.avail_in = uInt(inp.count)
                repeat {
                    buffer.withUnsafeMutableBufferPointer { b in
                        stream.next_out = b.baseAddress
                        stream.avail_out = uInt(b.count)
                        deflate(&stream, flush)
                        out.append(contentsOf: b[0..<(b.count - Int(stream.avail_out))])
                    }
                } while stream.avail_out == 0
            }
        }
        return out
    }

    // MARK: - base64 (embedded documents)

    func testBase64WithGarbageIsRejectedNamingTheEmbeddedField() throws {
        let options = XMLRecordOptions(
            recordPath: "GIAMDINHHS/HOSO",
            embedded: EmbeddedXMLOptions(element: "NOIDUNGFILE", typeElement: "LOAIHOSO", types: ["XML1"], recordPath: "TONG_HOP"))
        let good = Data("<TONG_HOP><MA_LK>1</MA_LK></TONG_HOP>".utf8).base64EncodedString()
        let garbage = [
            "%%%%" + good, String(good.dropLast(1)) + "*", "QQ=A" + good, good + "=QUJD", String(good.prefix(5)), "\u{0}\u{1}",
        ]
        for (i, bad) in garbage.enumerated() {
            let text = "<GIAMDINHHS><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>\(bad)</NOIDUNGFILE></FILEHOSO></HOSO>"
                + "<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>\(good)</NOIDUNGFILE></FILEHOSO></HOSO></GIAMDINHHS>"
            let outcome = decode(XMLRecordDecoder(options: options), [Array(text.utf8)])
            XCTAssertNil(outcome.error, "case \(i): \(outcome.errorText)")
            XCTAssertEqual(outcome.rejects.map(\.reason), [.invalidBase64], "case \(i)")
            XCTAssertEqual(outcome.rejects.first?.field?.hasSuffix("NOIDUNGFILE"), true, "case \(i)")
            XCTAssertEqual(outcome.records.count, 1, "case \(i)")
        }
    }
}
