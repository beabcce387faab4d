import XCTest
import TestSupport
@testable import Decoders

/// Hostile CSV: every input is answered by a reject naming the record and the field, or an error naming what
/// is wrong, never by a crash, a hang or memory that grows with the input.
final class HostileCSVTests: XCTestCase {
    private func decoder(_ options: CSVOptions = CSVOptions()) throws -> CSVStreamDecoder {
        try CSVStreamDecoder(options: options)
    }

    /// Feeds `header`, then `count` MiB of `filler` produced a chunk at a time, then `tail`; the peak RSS of the
    /// process during the stream is returned with the outcome.
    private func stream(
        header: String, filler: UInt8, mebibytes count: Int, tail: String
    ) throws -> (Outcome, peakGrowth: Int) {
        let decoder = try decoder()
        var outcome = Outcome()
        let sink: (DecodeEvent) -> Void = { event in
            switch event {
            case .record(let r): outcome.records.append(Dictionary(uniqueKeysWithValues: zip(r.schema.paths, r.values)))
            case .rejected(let e): outcome.rejects.append(e)
            }
        }
        resetPeakRSS()
        let before = peakRSS()
        let chunk = [UInt8](repeating: filler, count: 1 << 20)
        try decoder.feed(Array(header.utf8), sink)
        for _ in 0..<count { try chunk.withUnsafeBytes { try decoder.feed($0, sink) } }
        try decoder.feed(Array(tail.utf8), sink)
        try decoder.finish(sink)
        return (outcome, peakRSS() - before)
    }

    func testAFieldOfOneGibibyteIsRejectedAndTheNextRecordReadInBoundedMemory() throws {
        let (outcome, growth) = try stream(header: "id,ghi_chu\n1,", filler: UInt8(ascii: "x"), mebibytes: 1024, tail: "\n2,ok\n")
        XCTAssertEqual(outcome.rejects.map(\.reason), [.recordTooLarge])
        XCTAssertEqual(outcome.rejects.first?.record, 1)
        XCTAssertEqual(outcome.rejects.first?.field, "ghi_chu")
        XCTAssertEqual(outcome.records.count, 1)
        XCTAssertEqual(outcome.records.first?["id"] ?? nil, "2")
        XCTAssertLessThan(growth, 256 << 20, "peak RSS grew by \(growth >> 20) MiB for a 1 GiB field")
    }

    func testALineWithoutEndIsRejectedAtTheEndOfTheStream() throws {
        let (outcome, growth) = try stream(header: "id,ghi_chu\n1,a\n2,", filler: UInt8(ascii: "y"), mebibytes: 256, tail: "")
        XCTAssertEqual(outcome.records.count, 1)
        XCTAssertEqual(outcome.rejects.map(\.reason), [.recordTooLarge])
        XCTAssertEqual(outcome.rejects.first?.record, 2)
        XCTAssertLessThan(growth, 256 << 20)
    }

    func testAQuoteInsideAnUnquotedFieldIsRejectedNamingTheFieldAndTheOption() throws {
        let text = "id,vi_do,ten\n1,21°10'30\"N,Trường A\n2,21.1750,Trường B\n"
        let rejected = decode(try decoder(), [Array(text.utf8)])
        XCTAssertEqual(rejected.records.count, 1)
        XCTAssertEqual(rejected.rejects.map(\.reason), [.strayQuote])
        XCTAssertEqual(rejected.rejects.first?.field, "vi_do")
        XCTAssertTrue(rejected.rejects.first?.message.contains("stray_quotes: literal") == true)

        let literal = decode(try decoder(CSVOptions(strayQuotes: .literal)), [Array(text.utf8)])
        XCTAssertEqual(literal.rejects, [])
        XCTAssertEqual(literal.records.map { $0["vi_do"] ?? nil }, ["21°10'30\"N", "21.1750"])
        XCTAssertEqual(literal.records.map { $0["ten"] ?? nil }, ["Trường A", "Trường B"])
    }

    /// 0xFF (never valid in UTF-8) in every position of a data record, the stream cut at every possible place:
    /// the record is rejected naming the field it fell in; the records around it are read.
    func testInvalidUTF8InEveryPositionIsRejectedNamingTheField() throws {
        let header = "ma,ho_ten,xa\n"
        let before = "0,Lê Thị Bé,09169\n"
        let record = "1,Nguyễn Văn An,09163"
        let after = "\n2,Trần Thị Bình,09169\n"
        let bytes = Array(record.utf8)
        let names = ["ma", "ho_ten", "xa"]
        for position in 0...bytes.count {
            var poisoned = bytes
            poisoned.insert(0xFF, at: position)
            // The field the byte lands in: fields before it end at the commas before `position`.
            let field = names[bytes[..<position].filter { $0 == UInt8(ascii: ",") }.count]
            let stream = Array((header + before).utf8) + poisoned + Array(after.utf8)
            let outcome = decode(try decoder(), stream.map { [$0] })
            XCTAssertNil(outcome.error, "position \(position)")
            XCTAssertEqual(outcome.records.map { $0["ma"] ?? nil }, ["0", "2"], "position \(position)")
            XCTAssertEqual(outcome.rejects.map(\.reason), [.invalidEncoding], "position \(position)")
            XCTAssertEqual(outcome.rejects.first?.field, field, "position \(position)")
            XCTAssertEqual(outcome.rejects.first?.record, 2, "position \(position)")
            XCTAssertFalse(outcome.rejects.first?.description.contains("Nguyễn") ?? true)
        }
    }

    func testInvalidUTF8InTheHeaderFailsTheDocument() throws {
        let outcome = decode(try decoder(), [Array("ma,ho_t".utf8) + [0xC3] + Array("n\n1,a\n".utf8)])
        XCTAssertEqual(outcome.error as? CSVError, .badHeader(line: 1, reason: .invalidEncoding))
    }

    /// Two exports concatenated: the second one's BOM and header arrive as a record.
    func testAByteOrderMarkInTheMiddleIsRejectedNamingTheField() throws {
        let text = "\u{FEFF}ma,ten\n1,Hòa Bình\n\u{FEFF}ma,ten\n2,Tân Lập\n"
        let outcome = decode(try decoder(), [Array(text.utf8)])
        XCTAssertEqual(outcome.records.map { $0["ten"] ?? nil }, ["Hòa Bình", "Tân Lập"])
        XCTAssertEqual(outcome.rejects.map(\.reason), [.misplacedBOM])
        XCTAssertEqual(outcome.rejects.first?.field, "ma")
        XCTAssertEqual(outcome.rejects.first?.record, 2)
    }

    func testNULBytesAreRejectedNamingTheField() throws {
        let text = Array("ma,ten,xa\n1,An,09169\n2,B".utf8) + [0] + Array("nh,09163\n3,Chi,09169\n".utf8)
        let outcome = decode(try decoder(), [text])
        XCTAssertEqual(outcome.records.map { $0["ma"] ?? nil }, ["1", "3"])
        XCTAssertEqual(outcome.rejects.map(\.reason), [.nulByte])
        XCTAssertEqual(outcome.rejects.first?.field, "ten")
        XCTAssertEqual(outcome.rejects.first?.record, 2)
    }
}
