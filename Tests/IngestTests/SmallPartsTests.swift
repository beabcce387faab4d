import Foundation
import XCTest
@testable import Ingest
import Normalize
@testable import Decoders

final class SmallPartsTests: XCTestCase {
    func testBase64SplitAnywhereWithOrWithoutPadding() throws {
        for length in 0..<12 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }
            let padded = Array(Data(data).base64EncodedString(options: .lineLength64Characters).utf8)
            let unpadded = padded.filter { $0 != UInt8(ascii: "=") }
            for text in [padded, unpadded] {
                for cut in 0...text.count {
                    var decoder = Base64StreamDecoder()
                    var out: [UInt8] = []
                    try text[..<cut].withUnsafeBufferPointer { try decoder.decode($0, into: &out) }
                    try text[cut...].withUnsafeBufferPointer { try decoder.decode($0, into: &out) }
                    try decoder.finish(into: &out)
                    XCTAssertEqual(out, data, "length \(length) cut \(cut)")
                }
            }
        }
        for bad in ["QQ=x", "Q", "QQ==QQ==", "QQ*="] {
            var decoder = Base64StreamDecoder()
            var out: [UInt8] = []
            XCTAssertThrowsError(
                try Array(bad.utf8).withUnsafeBufferPointer { (b) throws(Base64StreamDecoder.Invalid) in
                    try decoder.decode(b, into: &out)
                    try decoder.finish(into: &out)
                }, bad)
        }
    }

    func testDeclaredUTF16WithoutBOMAndSharedSchema() throws {
        let text = "ma;ten\n1;Ánh\n2;Đức\n"
        var le: [UInt8] = []
        for u in text.utf16 { le += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        let decoder = try CSVStreamDecoder(options: CSVOptions(delimiter: UInt8(ascii: ";"), encoding: .utf16LE))
        var records: [DecodedRecord] = []
        try decoder.feed(le) { if case .record(let r) = $0 { records.append(r) } }
        try decoder.finish { if case .record(let r) = $0 { records.append(r) } }
        XCTAssertEqual(records.map { $0["ten"] }, ["Ánh", "Đức"])
        XCTAssertTrue(records[0].schema === records[1].schema, "a CSV stream shares one schema")
        XCTAssertEqual(records[0].schema.index(of: "ten"), 1)
    }

    func testTCVN3HeaderIsDecodedToo() throws {
        let bytes = tcvn3Bytes("Mã trường;Tên trường\n27001;Trường Mầm non Hoa Sen\n")
        let result = try decodeCSV(bytes, CSVOptions(delimiter: UInt8(ascii: ";"), encoding: .tcvn3), chunk: 5)
        XCTAssertEqual(result.header, ["Mã trường", "Tên trường"])
        // NFC, byte for byte (String equality alone would accept decomposed text).
        XCTAssertEqual(
            result.header?.first.map { Array($0.utf8) }, Array("Mã trường".precomposedStringWithCanonicalMapping.utf8))
        XCTAssertEqual(result.out, [.record(1, 2, ["27001", "Trường Mầm non Hoa Sen"])])
    }
}

final class FieldProjectionTests: XCTestCase {
    func testProjectionFollowsTheSchemaAndKeepsExtras() throws {
        let projection = FieldProjection(sourcePaths: ["SO_CCCD", "HO_TEN", "MA_XA"])
        let csv = try decodeCSVRecords("HO_TEN;SO_CCCD;GHI_CHU\nAn;001;x\nBình;002;\n")
        XCTAssertEqual(csv.map(projection.values), [["001", "An", nil], ["002", "Bình", nil]])
        XCTAssertEqual(csv[0].schema === csv[1].schema, true)
        XCTAssertEqual(projection.extraFields(of: csv[0]).map(\.path), ["GHI_CHU"])
        XCTAssertEqual(projection.missingPaths(in: csv[0].schema), ["MA_XA"])
        let other = DecodedRecord(number: 1, line: nil, schema: FieldSchema(paths: ["MA_XA", "SO_CCCD"]), values: ["09169", "003"])
        XCTAssertEqual(projection.values(of: other), ["003", nil, "09169"])
    }

    private func decodeCSVRecords(_ text: String) throws -> [DecodedRecord] {
        let decoder = try CSVStreamDecoder(options: CSVOptions(delimiter: UInt8(ascii: ";")))
        var out: [DecodedRecord] = []
        try decoder.feed(Array(text.utf8)) { if case .record(let r) = $0 { out.append(r) } }
        try decoder.finish { if case .record(let r) = $0 { out.append(r) } }
        return out
    }
}

final class LegacyFieldDecoderTests: XCTestCase {
    /// The table path gives exactly what Normalize's decoder gives, on random fields of every legacy encoding.
    func testTableDecodingEqualsNormalize() {
        var rng = SystemRandomNumberGenerator()
        for encoding in [LegacyEncoding.tcvn3, .vni, .windows1258] {
            let decoder = LegacyFieldDecoder(encoding: encoding)
            for _ in 0..<3000 {
                let field = (0..<Int.random(in: 0..<12, using: &rng)).map { _ in
                    Bool.random(using: &rng) ? UInt8.random(in: 0x80...0xFF, using: &rng) : UInt8.random(in: 0x20...0x7E, using: &rng)
                }
                let fast = field.withUnsafeBufferPointer { decoder.decode($0) }
                XCTAssertEqual(
                    Array(fast.utf8), Array(LegacyTextNormalizer.decode(bytes: field, from: encoding).utf8),
                    "\(encoding) \(field)")
            }
        }
    }
}

final class CSVEncodingRejectTests: XCTestCase {
    /// A TCVN3 file read as UTF-8 (encoding not declared) is rejected field by field instead of decoded to U+FFFD.
    func testUndeclaredLegacyBytesAreRejectedNotReplaced() throws {
        let bytes = Array("ma,ten\n1,An\n".utf8) + tcvn3Bytes("2,Trường Tiểu học\n") + Array("3,Bình\n".utf8)
        let result = try decodeCSV(bytes, CSVOptions(), chunk: 4)
        XCTAssertEqual(
            result.out,
            [.record(1, 2, ["1", "An"]), .rejected(2, 3, "ten", .invalidEncoding), .record(3, 4, ["3", "Bình"])])
        XCTAssertThrowsError(try decodeCSV(tcvn3Bytes("mã,tên\n1,2\n"), CSVOptions(), chunk: 0)) { error in
            XCTAssertEqual(error as? CSVError, .badHeader(line: 1, reason: .invalidEncoding))
        }
    }
}

final class UTF8ValidatorTests: XCTestCase {
    func testAgreesWithTheStandardLibrary() {
        let cases: [[UInt8]] = [
            Array("Trường Tiểu học 𝄞 ascii-only-long-run-of-text".utf8), [0xC3, 0x28], [0xE0, 0x80, 0x80],
            [0xED, 0xA0, 0x80], [0xF0, 0x90, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xFF],
            Array("abcdefgh".utf8) + [0xE2, 0x82], Array("abcdefghij".utf8) + [0xE2, 0x82, 0xAC], [],
        ]
        var rng = SystemRandomNumberGenerator()
        var random: [[UInt8]] = []
        for _ in 0..<5000 {
            random.append((0..<Int.random(in: 0..<20, using: &rng)).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : UInt8.random(in: 0x20...0x7E, using: &rng)
            })
        }
        for bytes in cases + random {
            let ours = bytes.withUnsafeBufferPointer { UTF8Validator.firstInvalidOffset($0) } == nil
            XCTAssertEqual(ours, String(validating: bytes, as: UTF8.self) != nil, "\(bytes)")
        }
    }
}
