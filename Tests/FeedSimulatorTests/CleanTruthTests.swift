import FeedSimulator
import Foundation
import Normalize
import ReferenceData
import XCTest

/// The clean truth agrees with the reference data and with the `Normalize` module applied to the served values.
final class CleanTruthTests: XCTestCase {
    func testCleanTruthAgreesWithNormalizersAndCrosswalk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-clean-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try FeedSimulator(configuration: .init(seed: 13, scale: 0.01, truthDirectory: dir.path))
        let served = try CSVReader.read(dir.appendingPathComponent("population.csv")).dropFirst()
        let clean = try CSVReader.read(dir.appendingPathComponent("population_clean.csv")).dropFirst()
        XCTAssertEqual(served.count, clean.count)
        let wards = Set(try ReferenceData.adminUnits2025().filter { $0.provinceCode == "24" }.map(\.wardCode))
        XCTAssertEqual(wards.count, 99)
        var crosswalk: [String: String] = [:]
        for entry in try ReferenceData.crosswalk2025() where entry.level == "ward" && entry.mergeType == .full {
            crosswalk[entry.oldCode] = entry.newCode
        }
        let resolver = AdminUnitResolver(index: try AdminUnitIndex.shared.get())
        var freeText = 0
        var resolved = 0
        var names = 0
        var nameMismatches: [String] = []
        var oldCodes = 0
        for (s, c) in zip(served, clean) {
            XCTAssertEqual(s[0], c[0])
            let ward2025 = try XCTUnwrap(c[5])
            XCTAssertTrue(wards.contains(ward2025))
            let updated = try XCTUnwrap(s[7])
            if let code = s[5] {
                if updated < "2025-07-01" {
                    XCTAssertEqual(crosswalk[code], ward2025, "old code maps to the new ward")
                    oldCodes += 1
                } else {
                    XCTAssertEqual(code, ward2025)
                }
            }
            if s[5] == nil, let address = s[6] {
                freeText += 1
                let day = updated.prefix(10).split(separator: "-").compactMap { Int($0) }
                let asOf = CivilDate(year: day[0], month: day[1], day: day[2])
                if case .success(let match) = resolver.resolve(address, asOf: asOf), match.newCode == ward2025 {
                    resolved += 1
                }
            }
            if let phone = s[4] {
                let asOf = CivilDate(daysSince1970: 20_000)
                switch PhoneNormalizer.normalize(phone, asOf: asOf) {
                case .success(let number): XCTAssertEqual(number.e164, c[4])
                case .failure(let failure): XCTFail("phone not normalised: \(failure)")
                }
            } else {
                XCTAssertNil(c[4])
            }
            let birth = try XCTUnwrap(c[2]).split(separator: "-").compactMap { Int($0) }
            let date = try XCTUnwrap(CivilDate(year: birth[0], month: birth[1], day: birth[2]))
            if case .failure(let failure) = CitizenIDNormalizer.normalize(
                try XCTUnwrap(c[0]), birthDate: date, sex: c[3] == "M" ? .male : .female)
            {
                XCTFail("citizen id disagrees with the record: \(failure)")
            }
            if case .success(let name) = PersonNameNormalizer.normalize(try XCTUnwrap(s[1])) {
                names += 1
                if Array(name.value.utf8) != Array(try XCTUnwrap(c[1]).utf8), nameMismatches.count < 5 {
                    nameMismatches.append(name.value)
                }
            }
        }
        XCTAssertEqual(names, served.count)
        XCTAssertEqual(nameMismatches, [], "PersonNameNormalizer gives the canonical name")
        XCTAssertGreaterThan(oldCodes, 1_000)
        XCTAssertGreaterThan(freeText, 100)
        XCTAssertGreaterThanOrEqual(resolved * 100, freeText * 95, "free text resolves with the record's date")
        print("free-text-only addresses: \(freeText), resolved to the right 2025 ward by AdminUnitResolver: \(resolved)")
    }
}
