import Foundation
@testable import Manifest
import XCTest

/// Durations, document paths, XML paths and did-you-mean suggestions.
final class ValueSyntaxTests: XCTestCase {
    func testDurations() {
        let table: [(text: String, months: Int, seconds: Double)?] = [
            ("30s", 0, 30), ("500ms", 0, 0.5), ("5m", 0, 300), ("2h", 0, 7200), ("1d", 0, 86_400),
            ("1w", 0, 604_800), ("1mo", 1, 0), ("1y", 12, 0), ("PT1H", 0, 3600), ("PT1M30S", 0, 90),
            ("P1D", 0, 86_400), ("P1M", 1, 0), ("P1Y2M3DT4H", 14, 3 * 86_400 + 4 * 3600), ("PT0.5S", 0, 0.5),
        ]
        for row in table.compactMap({ $0 }) {
            let duration = ManifestDuration(row.text)
            XCTAssertEqual(duration?.months, row.months, row.text)
            XCTAssertEqual(duration?.seconds, row.seconds, row.text)
        }
        for bad in ["", "P", "PT", "1 hour", "30", "s", "1.5mo", "P1H", "-5s", "PT1D", "1x"] {
            XCTAssertNil(ManifestDuration(bad), bad)
        }
    }

    func testDocumentPaths() throws {
        let table: [(text: String, segments: [DocumentPath.Segment])] = [
            ("", []),
            ("data", [.member("data")]),
            ("data.items", [.member("data"), .member("items")]),
            ("entry[*].resource", [.member("entry"), .each, .member("resource")]),
            ("link[relation=next].url", [.member("link"), .match(key: "relation", value: "next"), .member("url")]),
            ("link[relation='next'].url", [.member("link"), .match(key: "relation", value: "next"), .member("url")]),
            ("['@iot.nextLink']", [.member("@iot.nextLink")]),
            ("features[0].geometry", [.member("features"), .index(0), .member("geometry")]),
        ]
        for row in table {
            XCTAssertEqual(try DocumentPath(parsing: row.text).segments, row.segments, row.text)
        }
        for bad in ["a..b", ".a", "a.", "a[", "a[x]", "a[]b", "a b", "a]"] {
            XCTAssertThrowsError(try DocumentPath(parsing: bad), bad)
        }
    }

    func testDefaultRecordPaths() {
        XCTAssertEqual(RecordSelector.defaultPath(for: .fhir).segments, [.member("entry")], "the Bundle's entries; fields read resource.… and search.mode")
        XCTAssertEqual(RecordSelector.defaultPath(for: .sensorthings).segments, [.member("value")])
        XCTAssertEqual(RecordSelector.defaultPath(for: .ogcFeatures).segments, [.member("features")])
        XCTAssertEqual(RecordSelector.defaultPath(for: .restJSON), DocumentPath.document)
    }

    func testXMLElementPaths() throws {
        XCTAssertEqual(try XMLElementPath(parsing: "GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO").steps.count, 4)
        XCTAssertEqual(try XMLElementPath(parsing: "THE/@ma").steps, ["THE", "@ma"])
        for bad in ["", "A//B", "/A", "A/", "1A", "A/@b/C", "A B"] {
            XCTAssertThrowsError(try XMLElementPath(parsing: bad), bad)
        }
    }

    func testSuggestions() {
        let keys = ManifestSchema.manifest.keyNames
        XCTAssertEqual(Suggestion.closest(to: "pagniation", in: keys), "pagination")
        XCTAssertEqual(Suggestion.closest(to: "primary_keys", in: keys), "primary_key")
        XCTAssertEqual(Suggestion.closest(to: "feilds", in: keys), "fields")
        XCTAssertEqual(Suggestion.closest(to: "max_reject_rate", in: keys), "max_reject_ratio")
        XCTAssertNil(Suggestion.closest(to: "banana", in: keys))
        XCTAssertEqual(Suggestion.closest(to: "vn_phonenumber", in: Fixture.semantics), "vn_phone")
        XCTAssertEqual(Suggestion.closest(to: "timestamp_tz", in: SQLType.allCases.map(\.rawValue)), "timestamptz")
        XCTAssertEqual(Suggestion.closest(to: "int", in: SQLType.allCases.map(\.rawValue)), nil)
    }
}
