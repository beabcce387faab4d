import FeedSimulator
import Foundation
import ReferenceData
import XCTest

final class StatisticsFeedTests: XCTestCase {
    func testOldCommunesBefore2025NewWardsFrom2025AgreeingWithThePopulation() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-truth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sim = try await RunningSimulator.start(.init(seed: 71, scale: 0.01, truthDirectory: dir.path))
        defer { Task { await sim.stop() } }
        let answer = try await sim.client.send("GET", "/api/thongke/v1/dan-so-xa.csv")
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(Array(answer.body.prefix(3)), [0xEF, 0xBB, 0xBF])
        let file = dir.appendingPathComponent("served.csv")
        try Data(String(decoding: answer.body.dropFirst(3), as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8).write(to: file)
        let rows = try CSVReader.read(file)
        XCTAssertEqual(rows.first, ["nam", "ma_dvhc", "ten_dvhc", "loai_dvhc", "dan_so", "dan_so_nam", "dan_so_nu", "so_ho"])
        let data = rows.dropFirst().filter { $0[1] != nil }
        XCTAssertEqual(Set(data.compactMap { $0[0] }), Set((2020...2025).map(String.init)))
        let newWards = Set(try ReferenceData.adminUnits2025().filter { $0.provinceCode == "24" }.map(\.wardCode))
        let oldUnits = Set(try ReferenceData.adminUnits2024().filter { $0.provinceCode == "27" || $0.provinceCode == "24" }.map(\.wardCode))
        for row in data {
            let code = try XCTUnwrap(row[1])
            XCTAssertTrue((row[0] == "2025" ? newWards : oldUnits).contains(code), "\(row[0] ?? "") \(code)")
        }
        // 2025: the simulated residents of each ward, divided by the scale (population_clean: all but the malformed).
        var residents: [String: Int] = [:]
        for person in try CSVReader.read(dir.appendingPathComponent("population_clean.csv")).dropFirst() {
            residents[person[5] ?? "", default: 0] += 1
        }
        let rejectedPeople = try CSVReader.read(dir.appendingPathComponent("rejects.csv")).filter { $0[0] == "population" }.count
        var gap = 0
        for row in data where row[0] == "2025" {
            guard let population = Int(row[4] ?? "") else { continue }
            let simulated = residents[row[1] ?? "", default: 0]
            XCTAssertEqual(Double(population) * 0.01, Double(simulated), accuracy: 3, "ward \(row[1] ?? "")")
            gap += Int((Double(population) * 0.01).rounded()) - simulated
        }
        XCTAssertLessThanOrEqual(gap, rejectedPeople + 300, "only the malformed people and the malformed rows differ")
        let total = { (year: String) in data.filter { $0[0] == year }.compactMap { Int($0[4] ?? "") }.reduce(0, +) }
        XCTAssertGreaterThan(total("2025"), total("2024"))
        XCTAssertGreaterThan(total("2024"), total("2020"))
        XCTAssertLessThan(Double(total("2025")) / Double(total("2020")), 1.12)
        XCTAssertTrue(rows.contains { $0[4]?.contains(".") == true }, "a few figures typed with thousands dots")
    }
}
