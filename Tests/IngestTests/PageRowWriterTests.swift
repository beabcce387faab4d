import Foundation
import Normalize
import XCTest
@testable import Ingest
@testable import Decoders

/// The one-pass writer of direct-reader pages must give, byte for byte, what typing (`RecordTyper`) then encoding
/// (`StagingBatchEncoder.encode(_:rejects:)`) give: the same COPY rows, `_hash` values, routes, rejects and cursor,
/// in binary form (every column type has a binary encoding) and in text form (a `double precision` column).
final class PageRowWriterTests: XCTestCase {
    private let bindings = [
        FieldBinding(name: "id", sourcePath: "id", sqlType: "text", required: true),
        FieldBinding(name: "name", sourcePath: "name", sqlType: "text"),
        FieldBinding(name: "born", sourcePath: "born", sqlType: "date"),
        FieldBinding(name: "ward", sourcePath: "addr.ward", sqlType: "text"),
        FieldBinding(name: "n", sourcePath: "n", sqlType: "integer"),
        FieldBinding(name: "ok", sourcePath: "ok", sqlType: "boolean"),
        FieldBinding(name: "month", sourcePath: "month", sqlType: "date", format: "yyyy-MM"),
        FieldBinding(name: "updated_at", sourcePath: "updated", sqlType: "timestamptz", required: true),
    ]

    private let dates = [
        "2001-02-03", "2024-02-29", "2023-02-29", "0000-01-01", "0999-12-31", "2020-13-01", "2020-00-10", "2020-01-00",
        " 2020-01-01", "2020-01-01 ", "20200101", "3/4/2001", "31/02/2001", "2001-2-3", "", "  ", "x", "2001-02-03T00:00",
    ]
    private let stamps = [
        "2024-03-05T08:30:00+07:00", "2024-03-05T23:59:59+07:00", "2024-03-05T08:30:60+07:00", "2024-03-05T24:00:00+07:00",
        "2024-02-30T08:30:00+07:00", "2024-03-05t08:30:00+07:00", "2024-03-05 08:30:00+07:00", "2024-03-05T08:30:00Z",
        "2024-03-05T08:30:00.123+07:00", "2024-03-05T08:30:00+0700", "2024-03-05T08:30+07:00", "2024-03-05T01:30:00-01:00",
        "5/3/2024 08:30", " 2024-03-05T08:30:00+07:00", "0001-01-01T00:00:00+07:00", "", "nope",
    ]
    private let texts = [
        "Nguyễn Văn An", "a\tb", "line\nbreak", "back\\slash", "cr\rlf", "\u{0B}\u{08}\u{0C}", "", " ", "\u{3000}",
        "x\u{0}y", "\"quoted\"", "💡", String(repeating: "long ", count: 20),
    ]

    private func jsonString(_ text: String) -> String {
        var out = ""
        JSONText.string(text, into: &out)
        return out
    }

    /// A page of `count` records mixing every case above, some keys repeated.
    private func page(seed: UInt64, count: Int) -> String {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var records: [String] = []
        for k in 0..<count {
            var fields: [String] = []
            switch next(20) {
            case 0: break
            case 1: fields.append(#""id":"  ""#)
            case 2: fields.append(#""id":"\#(next(5))""#)
            default: fields.append(#""id":"\#(seed)-\#(k)""#)
            }
            if next(4) > 0 { fields.append(#""name":"# + jsonString(texts[next(texts.count)])) }
            if next(5) > 0 { fields.append(#""born":"# + jsonString(next(3) == 0 ? dates[next(dates.count)] : "19\(10 + next(89))-0\(1 + next(9))-1\(next(9))")) }
            if next(3) > 0 { fields.append(#""addr":{"ward":"\#(10000 + next(90000))","street":"# + jsonString(texts[next(texts.count)]) + "}") }
            if next(3) == 0 { fields.append(#""n":"# + ["12", "-3", "\"7\"", "\"x\"", "99999999999", "null", "1.5"][next(7)]) }
            if next(3) == 0 { fields.append(#""ok":"# + ["true", "false", "\"có\"", "\"maybe\"", "null"][next(5)]) }
            if next(4) == 0 { fields.append(#""month":"# + ["\"2024-03\"", "\"03/2024\"", "\"2024\"", "null"][next(4)]) }
            if next(10) > 0 {
                let stamp = next(3) == 0 ? stamps[next(stamps.count)] : "20\(10 + next(15))-1\(next(3))-2\(next(9))T1\(next(10)):\(next(6))\(next(10)):\(next(6))\(next(10))+07:00"
                fields.append(#""updated":"# + jsonString(stamp))
            }
            if next(6) == 0 { fields.append(#""extra_\#(next(3))":"# + jsonString(texts[next(texts.count)])) }
            if next(3) == 0 { fields.append(#""score":"# + ["1.5", "-2e3", "\"0.25\"", "\"x\"", "null"][next(5)]) }
            records.append("{" + fields.joined(separator: ",") + "}")
        }
        return #"{"data":["# + records.joined(separator: ",") + #"],"meta":{"next_cursor":null}}"#
    }

    func testThePageWriterGivesTheBinaryRowsOfTypingThenEncoding() throws {
        let schema = try StagingSchema(
            feed: "people", columns: bindings.map { .init(name: $0.name, sqlType: $0.sqlType) }, primaryKey: ["id"])
        XCTAssertNotNil(schema.copyBinary, "every column has a binary encoding")
        try checkThePageWriterAgainstTypingThenEncoding(bindings)
    }

    func testThePageWriterGivesTheTextRowsOfTypingThenEncoding() throws {
        let bindings = self.bindings + [FieldBinding(name: "score", sourcePath: "score", sqlType: "double precision")]
        let schema = try StagingSchema(
            feed: "people", columns: bindings.map { .init(name: $0.name, sqlType: $0.sqlType) }, primaryKey: ["id"])
        XCTAssertNil(schema.copyBinary, "double precision is sent as text")
        try checkThePageWriterAgainstTypingThenEncoding(bindings)
    }

    private func checkThePageWriterAgainstTypingThenEncoding(_ bindings: [FieldBinding]) throws {
        let typer = RecordTyper(feed: "people", bindings: bindings, primaryKey: ["id"])
        let schema = try StagingSchema(
            feed: "people", columns: bindings.map { .init(name: $0.name, sqlType: $0.sqlType) }, primaryKey: ["id"])
        let cursorIndex = bindings.firstIndex { $0.name == "updated_at" }
        let writer = try XCTUnwrap(PageRowWriter(schema: schema, typer: typer, cursorIndex: cursorIndex))
        let extractor = try JSONRecordExtractor(recordsPath: "data", nextPath: "meta.next_cursor")
        let reader = try XCTUnwrap(
            DirectJSONPageReader(recordsPath: "data", nextPath: "meta.next_cursor", sourcePaths: bindings.map(\.sourcePath)))
        var staged = 0
        var rejected = 0
        for firstLoad in [true, false] {
            var general = StagingBatchEncoder(schema: schema, runID: 42, firstLoad: firstLoad)
            var oneBatch = StagingBatchEncoder(schema: schema, runID: 42, firstLoad: firstLoad)
            var latest: String?
            for seed in UInt64(1)...12 {
                let bytes = Array(page(seed: seed, count: 400).utf8)
                let projected = try bytes.withUnsafeBytes { try reader.read($0, firstNumber: Int(seed) * 1000) }
                let raw = { (record: ProjectedRecord) in
                    ConnectorRunner.Session.rawText(of: record, in: bytes, extractor: extractor)
                }
                var records: [StagedRecord] = []
                var rejects: [RejectedRecord] = []
                var expectedLatest: String?
                for record in projected.records {
                    switch typer.type(position: record.number, values: projected.values(of: record, in: bytes), extra: record.extra, raw: { raw(record) }) {
                    case .staged(let row):
                        if let value = row.values[cursorIndex ?? 0] {
                            expectedLatest = ConnectorRunner.Session.later(expectedLatest, value)
                        }
                        records.append(row)
                    case .rejected(let reject): rejects.append(reject)
                    }
                }
                let expected = try general.encode(records, rejects: rejects)
                let rows = try writer.prepare(projected, bytes: bytes, raw: raw)
                XCTAssertEqual(rows.rejects, rejects, "seed \(seed)")
                XCTAssertEqual(rows.latest, expectedLatest, "seed \(seed)")
                let batch = try oneBatch.encode(rows)
                XCTAssertEqual(batch.records, expected.records)
                XCTAssertEqual(batch.rejected, expected.rejected)
                XCTAssertEqual(batch.direct, expected.direct, "seed \(seed), first load \(firstLoad)")
                XCTAssertEqual(batch.merged, expected.merged, "seed \(seed), first load \(firstLoad)")
                XCTAssertEqual(batch.rejects, expected.rejects, "seed \(seed)")
                staged += records.count
                rejected += rejects.count
                latest = expectedLatest.map { ConnectorRunner.Session.later(latest, $0) } ?? latest
            }
            XCTAssertNotNil(latest)
        }
        XCTAssertGreaterThan(staged, 3_000, "many records are staged")
        XCTAssertGreaterThan(rejected, 500, "many are rejected")
    }

    /// Plain `+07:00` timestamps compare by their bytes: the same order as parsing them.
    func testCursorOrderOfPlainTimestampsIsTheirInstantOrder() {
        let values = [
            "2024-03-05T08:30:00+07:00", "2024-03-05T08:30:01+07:00", "2023-12-31T23:59:59+07:00", "2024-02-30T08:30:00+07:00",
            "2024-03-05T24:00:00+07:00", "2024-03-05T08:30:00Z", "0001-01-01T00:00:00+07:00", "2024-03-05T08:30:59+07:00",
        ]
        for a in values {
            for b in values {
                let expected: Bool
                if case .success(let x) = DateNormalizer.timestamp(a), case .success(let y) = DateNormalizer.timestamp(b) {
                    expected = x.epochSeconds > y.epochSeconds
                } else {
                    expected = a > b
                }
                XCTAssertEqual(IncrementalPlan.isAfter(a, b), expected, "\(a) after \(b)")
            }
        }
    }
}
