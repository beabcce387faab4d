import Foundation
import ReferenceData
import XCTest

@testable import Normalize

/// Every unit of both eras resolves from its full name (with its parents), from its name without diacritics (with
/// its parents without diacritics) and from its code (with an as-of date in its era).
///
/// Without diacritics a few units are genuinely indistinguishable from a neighbour ("Phường Sa Pa" and "Phường Sa
/// Pả", both in Thị xã Sa Pa): those must come back `.ambiguous` with the unit among the candidates, and their
/// number must equal the number of units whose folded full name collides with another's.
final class AllAdminUnitsTests: XCTestCase {
    static func fold(_ s: String) -> String {
        s.folding(options: [.diacriticInsensitive], locale: nil).replacingOccurrences(of: "đ", with: "d")
            .replacingOccurrences(of: "Đ", with: "D")
    }

    /// Units whose folded text is shared with another unit.
    static func collisions(_ texts: [String]) -> Int {
        var counts: [String: Int] = [:]
        for t in texts { counts[PersonNameNormalizer.matchKey(t).replacingOccurrences(of: " ", with: ""), default: 0] += 1 }
        return texts.filter { (counts[PersonNameNormalizer.matchKey($0).replacingOccurrences(of: " ", with: "")] ?? 0) > 1 }.count
    }

    func check(
        _ items: [(code: String, full: String)], asOf: CivilDate,
        matches: (AdminUnitMatch, String) -> Bool
    ) throws {
        let resolver = AdminUnitResolver(index: try AdminUnitIndex.shared.get())
        var failures: [String] = []
        var foldedAmbiguous = 0
        for (code, full) in items {
            for (form, text) in [("full", full), ("folded", AllAdminUnitsTests.fold(full)), ("code", code)] {
                switch resolver.resolve(text, asOf: asOf) {
                case .success(let m):
                    if !matches(m, code) { failures.append("\(form) \(code) → \(m.oldCode ?? "") \(m.newCodes)") }
                case .failure(let f):
                    if form == "folded" && f.code == .ambiguous && f.candidates.contains(code) {
                        foldedAmbiguous += 1
                    } else {
                        failures.append("\(form) \(code): \(f)")
                    }
                }
            }
        }
        XCTAssertEqual(failures.count, 0, failures.prefix(20).joined(separator: "\n"))
        let expected = AllAdminUnitsTests.collisions(items.map(\.full))
        XCTAssertEqual(foldedAmbiguous, expected, "folded forms ambiguous")
        print("\(items.count) units × 3 forms: \(failures.count) failures; \(foldedAmbiguous) folded forms ambiguous (expected \(expected))")
    }

    func testEveryPre2025Unit() throws {
        let units = try ReferenceData.adminUnits2024()
        XCTAssertEqual(units.count, 10_035)
        try check(units.map { ($0.wardCode, "\($0.wardName), \($0.districtName), \($0.provinceName)") }, asOf: day(2024, 6, 1)) {
            m, code in m.oldCode == code && !m.newCodes.isEmpty
        }
    }

    func testEveryPost2025Unit() throws {
        let units = try ReferenceData.adminUnits2025()
        XCTAssertEqual(units.count, 3_321)
        try check(units.map { ($0.wardCode, "\($0.wardName), \($0.provinceName)") }, asOf: day(2025, 8, 1)) {
            m, code in m.newCodes == [code] && m.oldCode == nil
        }
    }
}
