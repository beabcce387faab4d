import Foundation
import XCTest
@testable import Ingest
@testable import Decoders

/// The direct reader must give, for every page it accepts, exactly what the general path (Foundation's
/// `JSONSerialization`, flattening, `FieldProjection`) gives; pages it cannot read exactly it hands back.
final class DirectJSONReaderTests: XCTestCase {
    private struct Case {
        let name: String
        let page: String
        var recordsPath = "data"
        var nextPath: String? = "meta.next_cursor"
        var sourcePaths = ["id", "name", "addr.ward", "tags[1]", "n"]
    }

    /// Pages the direct reader reads: its result must equal the general path's.
    private let readable: [Case] = [
        Case(
            name: "population-like page, cursor after the records",
            page: """
                {"data":[{"id":"001","name":"Nguyễn Văn An","addr":{"ward":"09169","text":"P. Vũ Ninh"},"n":3},
                {"id":"002","name":"Trần Thị Bình","addr":{"ward":null}}],"meta":{"count":2,"next_cursor":"eyJzIjoyfQ=="}}
                """),
        Case(
            name: "cursor before the records, whitespace everywhere",
            page: " \n\t{ \"meta\" : { \"next_cursor\" : 42 } ,\r\n \"data\" : [ { \"id\" : \"a\" , \"n\" : -7 } ] } \n"),
        Case(name: "null and empty cursor", page: #"{"data":[{"id":"1"}],"meta":{"next_cursor":null}}"#),
        Case(name: "empty string cursor", page: #"{"data":[{"id":"1"}],"meta":{"next_cursor":""}}"#),
        Case(name: "no next path in the page", page: #"{"data":[{"id":"1"}]}"#),
        Case(name: "empty records array", page: #"{"data":[],"meta":{"next_cursor":null}}"#),
        Case(
            name: "escapes and surrogate pairs",
            page: #"{"data":[{"id":"a\"b\\c\/d\b\f\n\r\t","name":"\u0041\u1EA1\u00e9 \ud83d\ude00 x","q":"\u0001"}]}"#),
        Case(
            name: "numbers as the general path shows them",
            page: """
                {"data":[{"id":"n","n":12500000.5,"a":0,"b":-12,"c":1.0,"d":1e2,"e":1E-2,"f":-0.0,"g":123456789012345678,
                "h":0.1,"i":1e15,"j":123456789012345.5,"k":2.5e-7,"l":-1.5E+3,"m":999999999999999.0}]}
                """),
        Case(
            name: "booleans, null, empty containers, nested arrays and undeclared fields in sorted order",
            page: """
                {"data":[{"z":true,"id":"x","tags":["p","q",{"r":1}],"y":false,"addr":{"ward":"1","b":[],"a":{}},
                "m":[[1,2],[3]],"w":null,"A":"upper","_":"u"}]}
                """),
        Case(
            name: "declared path holding an object: kept as its JSON text (a GeoJSON geometry)",
            page: #"{"data":[{"id":"1","name":{"given":"An","family":"Nguyễn"}}]}"#),
        Case(
            name: "records as one object",
            page: #"{"data":{"id":"only","name":"One"}}"#),
        Case(
            name: "nested records path and index next path",
            page: #"{"x":{"items":[{"id":"1"}]},"links":[{"href":"a"},{"href":"b"}]}"#,
            recordsPath: "x.items", nextPath: "links[1].href"),
        Case(
            name: "top-level array",
            page: #"[{"id":"1","name":"a"},{"id":"2"}]"#, recordsPath: "", nextPath: nil),
        Case(
            name: "skipped values of every kind",
            page: """
                {"other":{"k":[1,-2.5e3,"s\\u00e9",true,false,null,{"deep":[[[]]]}],"\\u00e9":"non-ASCII key skipped"},
                "data":[{"id":"1"}],"meta":{"x":"y","next_cursor":"c"}}
                """),
    ]

    /// Pages it must hand back to the general path.
    private let handedBack: [Case] = [
        Case(name: "not JSON", page: #"{"data":[{"id":"1"}"#),
        Case(name: "trailing garbage", page: #"{"data":[]} x"#),
        Case(name: "trailing comma", page: #"{"data":[{"id":"1"},]}"#),
        Case(name: "repeated key in a record", page: #"{"data":[{"id":"1","id":"2"}]}"#),
        Case(name: "repeated records key", page: #"{"data":[],"data":[{"id":"1"}]}"#),
        Case(name: "key with a dot", page: #"{"data":[{"a.b":"1"}]}"#),
        Case(name: "key with an escape", page: #"{"data":[{"i\u0064":"1"}]}"#),
        Case(name: "non-ASCII key in a record", page: #"{"data":[{"tên":"1"}]}"#),
        Case(name: "empty key", page: #"{"data":[{"":"1"}]}"#),
        Case(name: "lone high surrogate", page: #"{"data":[{"id":"\ud83d x"}]}"#),
        Case(name: "lone low surrogate", page: #"{"data":[{"id":"\ude00"}]}"#),
        Case(name: "bad escape", page: #"{"data":[{"id":"\x"}]}"#),
        Case(name: "raw control character", page: "{\"data\":[{\"id\":\"a\u{1}b\"}]}"),
        Case(name: "negative zero integer", page: #"{"data":[{"id":"1","n":-0}]}"#),
        Case(name: "integer beyond 18 digits", page: #"{"data":[{"id":"1","n":12345678901234567890}]}"#),
        Case(name: "leading zero", page: #"{"data":[{"id":"1","n":012}]}"#),
        Case(name: "number overflow", page: #"{"data":[{"id":"1","n":1e400}]}"#),
        // A value skipped, not kept (a geometry's coordinates, read later from its bytes), is checked as one kept.
        Case(name: "negative zero integer skipped", page: #"{"other":[1,-0],"data":[{"id":"1"}]}"#),
        Case(name: "integer beyond 18 digits skipped", page: #"{"other":{"n":12345678901234567890},"data":[{"id":"1"}]}"#),
        Case(name: "leading zero skipped", page: #"{"other":[012],"data":[{"id":"1"}]}"#),
        Case(name: "number overflow skipped", page: #"{"other":[[105.5,-1.5e400]],"data":[{"id":"1"}]}"#),
        Case(name: "fraction without digits skipped", page: #"{"other":[1.],"data":[{"id":"1"}]}"#),
        Case(name: "records missing", page: #"{"meta":{"next_cursor":null}}"#),
        Case(name: "records null", page: #"{"data":null}"#),
        Case(name: "records a scalar", page: #"{"data":5}"#),
        Case(name: "a record that is not an object", page: #"{"data":[1]}"#),
        Case(name: "cursor that is an object", page: #"{"data":[],"meta":{"next_cursor":{"a":1}}}"#),
        Case(name: "top-level scalar", page: #""data""#),
        Case(name: "empty page", page: ""),
    ]

    func testReadsWhatTheGeneralPathReads() throws {
        for c in readable {
            guard let reader = DirectJSONPageReader(recordsPath: c.recordsPath, nextPath: c.nextPath, sourcePaths: c.sourcePaths) else {
                return XCTFail("no reader: \(c.name)")
            }
            let bytes = Array(c.page.utf8)
            let direct: ProjectedPage
            do {
                direct = try bytes.withUnsafeBytes { raw throws(DirectJSONFallback) in try reader.read(raw, firstNumber: 41) }
            } catch {
                XCTFail("\(c.name): handed back (\(error))")
                continue
            }
            let general = try JSONRecordExtractor(recordsPath: c.recordsPath, nextPath: c.nextPath, keepAsJSON: Set(c.sourcePaths))
                .extract(page: Data(bytes), firstNumber: 41)
            let projection = FieldProjection(sourcePaths: c.sourcePaths)
            XCTAssertEqual(direct.next, general.next, c.name)
            XCTAssertEqual(direct.records.count, general.records.count, c.name)
            for (d, g) in zip(direct.records, general.records) {
                XCTAssertEqual(d.number, g.number, c.name)
                XCTAssertEqual(Self.canonical(direct.values(of: d, in: bytes)), Self.canonical(projection.values(of: g)), c.name)
                XCTAssertEqual(
                    d.extra.map { "\($0.0)=\($0.1 ?? "nil")" },
                    projection.extraFields(of: g).map { "\($0.path)=\($0.value ?? "nil")" }, c.name)
                // The record's bytes give back the record (for a reject's raw text).
                let slice = Data(bytes[d.bytes])
                XCTAssertEqual(
                    try JSONRecordExtractor(recordsPath: "", keepAsJSON: Set(c.sourcePaths)).fields(ofRecord: slice)
                        .map { "\($0.path)=\($0.value ?? "nil")" },
                    g.fields.map { "\($0.path)=\($0.value ?? "nil")" }, c.name)
            }
        }
    }

    /// A declared field holding an object or array is its JSON text: the direct reader keeps the source's bytes, the
    /// general path writes it compact with sorted keys; the same JSON either way.
    static func canonical(_ values: [String?]) -> [String?] {
        values.map { value in
            guard let value, let first = value.first, first == "{" || first == "[",
                let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)),
                let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            else { return value }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// OGC API `links[rel=next].href` on the next path: the array is read for the link whose `rel` is next,
    /// wherever it stands, as the general path reads it.
    func testNextLinkPickedFromTheLinksArray() throws {
        let pages = [
            #"{"type":"FeatureCollection","features":[{"id":"a","geometry":{"type":"Point","coordinates":[106.07,21.18]}}],"links":[{"rel":"self","href":"http://x/items?offset=0"},{"href":"http://x/items?offset=10&limit=10","rel":"next","type":"application/geo+json"}]}"#,
            #"{"links":[{"rel":"prev","href":"http://x/p"}],"features":[{"id":"b","geometry":null}],"numberMatched":1}"#,
        ]
        let reader = try XCTUnwrap(DirectJSONPageReader(recordsPath: "features", nextPath: "links[rel=next].href", sourcePaths: ["id", "geometry"]))
        let general = try JSONRecordExtractor(recordsPath: "features", nextPath: "links[rel=next].href", keepAsJSON: ["id", "geometry"])
        for (k, page) in pages.enumerated() {
            let bytes = Array(page.utf8)
            let direct = try bytes.withUnsafeBytes { raw throws(DirectJSONFallback) in try reader.read(raw, firstNumber: 1) }
            let decoded = try general.extract(page: Data(bytes))
            XCTAssertEqual(direct.next, k == 0 ? "http://x/items?offset=10&limit=10" : nil)
            XCTAssertEqual(decoded.next, direct.next)
            let projection = FieldProjection(sourcePaths: ["id", "geometry"])
            XCTAssertEqual(
                Self.canonical(direct.values(of: direct.records[0], in: bytes)), Self.canonical(projection.values(of: decoded.records[0])))
        }
        XCTAssertEqual(
            direct(pages[0], reader).values(of: direct(pages[0], reader).records[0], in: Array(pages[0].utf8))[1],
            #"{"type":"Point","coordinates":[106.07,21.18]}"#, "the geometry's own bytes")
    }

    private func direct(_ page: String, _ reader: DirectJSONPageReader) -> ProjectedPage {
        let bytes = Array(page.utf8)
        return (try? bytes.withUnsafeBytes { raw throws(DirectJSONFallback) in try reader.read(raw, firstNumber: 1) })
            ?? ProjectedPage(records: [], values: [], width: 0, next: nil)
    }

    func testHandsBackWhatItCannotReadExactly() throws {
        for c in handedBack {
            let reader = try XCTUnwrap(
                DirectJSONPageReader(recordsPath: c.recordsPath, nextPath: c.nextPath, sourcePaths: c.sourcePaths), c.name)
            let bytes = Array(c.page.utf8)
            XCTAssertThrowsError(
                try bytes.withUnsafeBytes { raw throws(DirectJSONFallback) in try reader.read(raw, firstNumber: 1) }, c.name)
        }
    }

    func testInvalidUTF8IsHandedBack() throws {
        let reader = try XCTUnwrap(DirectJSONPageReader(recordsPath: "data", nextPath: nil, sourcePaths: ["id"]))
        let bytes: [UInt8] = Array(#"{"data":[{"id":""#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8)
        XCTAssertThrowsError(try bytes.withUnsafeBytes { raw throws(DirectJSONFallback) in try reader.read(raw, firstNumber: 1) })
    }

    func testPathsOutsideWhatItReads() {
        XCTAssertNil(DirectJSONPageReader(recordsPath: "data", nextPath: nil, sourcePaths: ["tên"]))
        XCTAssertNil(DirectJSONPageReader(recordsPath: "data[x]", nextPath: nil, sourcePaths: ["id"]))
        XCTAssertNil(DirectJSONPageReader(recordsPath: "data", nextPath: "data", sourcePaths: ["id"]))
    }

    /// Long pages with random shapes and values: the two paths agree record by record.
    func testRandomPagesAgreeWithTheGeneralPath() throws {
        var rng = SplitMix(seed: 0x5EED)
        let keys = ["id", "name", "addr", "ward", "tags", "n", "x", "b"]
        let sourcePaths = ["id", "name", "addr.ward", "tags[0]", "n", "addr.n.x"]
        let reader = try XCTUnwrap(DirectJSONPageReader(recordsPath: "data", nextPath: "next", sourcePaths: sourcePaths))
        func value(_ depth: Int) -> String {
            switch rng.next() % (depth > 2 ? 5 : 7) {
            case 0: return "\"" + ["", "a b", "Bắc Ninh", "q\\\"x", "\\u00e9\\n", "\\ud83d\\ude00", "  x  "][Int(rng.next() % 7)] + "\""
            case 1: return ["0", "-3", "17", "2.5", "1e3", "-0.25", "1.0"][Int(rng.next() % 7)]
            case 2: return ["true", "false", "null"][Int(rng.next() % 3)]
            case 3: return "\"\(rng.next() % 1000)\""
            case 4: return "[]"
            case 5: return "[" + (0..<Int(1 + rng.next() % 3)).map { _ in value(depth + 1) }.joined(separator: ",") + "]"
            default: return object(depth + 1)
            }
        }
        func object(_ depth: Int) -> String {
            let chosen = keys.shuffled(using: &rng).prefix(Int(rng.next() % 5))
            return "{" + chosen.map { "\"\($0)\":\(value(depth))" }.joined(separator: ",") + "}"
        }
        for round in 0..<50 {
            let records = (0..<40).map { _ in object(0) }
            let page = "{\"data\":[\(records.joined(separator: ",\n"))],\"next\":\"\(round)\"}"
            let bytes = Array(page.utf8)
            let direct = try bytes.withUnsafeBytes { raw throws(DirectJSONFallback) in try reader.read(raw, firstNumber: 1) }
            let general = try JSONRecordExtractor(recordsPath: "data", nextPath: "next", keepAsJSON: Set(sourcePaths))
                .extract(page: Data(bytes))
            let projection = FieldProjection(sourcePaths: sourcePaths)
            XCTAssertEqual(direct.next, general.next)
            XCTAssertEqual(direct.records.count, general.records.count)
            for (d, g) in zip(direct.records, general.records) {
                XCTAssertEqual(
                    Self.canonical(direct.values(of: d, in: bytes)), Self.canonical(projection.values(of: g)), "round \(round) record \(d.number)")
                XCTAssertEqual(
                    d.extra.map { "\($0.0)=\($0.1 ?? "nil")" },
                    projection.extraFields(of: g).map { "\($0.path)=\($0.value ?? "nil")" }, "round \(round) record \(d.number)")
            }
        }
    }
}

/// A small deterministic generator for the random pages.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
