import Foundation
import Manifest
import XCTest

/// Shared fixtures of the manifest tests.
enum Fixture {
    /// The semantics the lead passes from `Normalize.Semantic`.
    static let semantics = [
        "vn_person_name", "vn_admin_unit", "vn_citizen_id", "vn_tax_code", "vn_phone",
        "date_dmy", "date_iso", "excel_date", "timestamp", "legacy_text", "vn2000_point",
    ]

    static let loader = ManifestLoader(knownSemantics: semantics)

    /// `Connectors/` of the package (Tests/ManifestTests/… → ../../Connectors).
    static let connectors = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Connectors", isDirectory: true)

    static let shipped = [
        "population", "business", "insurance", "labour", "health_encounters", "schools", "statistics", "finance", "admin_boundaries",
        "land", "postal_points", "bts_stations", "telecom_subscriptions", "air_quality_stations", "air_quality", "health_facilities", "health_facility_history",
    ]

    static func text(of feed: String) throws -> String {
        let url = connectors.appendingPathComponent("\(feed).yaml")
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func load(_ feed: String) throws -> ConnectorManifest {
        try loader.loadValid(
            contentsOf: connectors.appendingPathComponent("\(feed).yaml"), displayPath: "Connectors/\(feed).yaml")
    }

    /// 1-based line and column of the first occurrence of `marker` in `text`.
    static func position(of marker: String, in text: String) -> (line: Int, column: Int)? {
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if let range = line.range(of: marker) {
                return (index + 1, line.unicodeScalars.distance(
                    from: line.unicodeScalars.startIndex, to: range.lowerBound.samePosition(in: line.unicodeScalars)
                        ?? line.unicodeScalars.startIndex) + 1)
            }
        }
        return nil
    }
}

extension String {
    /// `self` with `target` replaced once; fails the test when `target` is absent.
    func replacingOnce(_ target: String, with replacement: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        guard let range = range(of: target) else {
            XCTFail("fixture text not found: \(target)", file: file, line: line)
            return self
        }
        return replacingCharacters(in: range, with: replacement)
    }
}
