import FeedSimulator
import Foundation
import Normalize
import XCTest

final class SchoolFeedTests: XCTestCase {
    func export(_ sim: RunningSimulator, _ department: String) async throws -> Answer {
        let key = sim.simulator.configuration.credentials.schoolsAPIKey
        return try await sim.client.send("GET", "/api/giaoduc/v1/truong-hoc.csv?so=\(department)&api_key=\(key)")
    }

    func testBacNinhIsUTF8AndBacGiangIsTCVN3OfTheSameShape() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 61, scale: 0.01))
        defer { Task { await sim.stop() } }
        let bn = try await export(sim, "bac-ninh")
        XCTAssertEqual(bn.status, 200)
        XCTAssertEqual(Array(bn.body.prefix(3)), [0xEF, 0xBB, 0xBF])
        let bnText = try XCTUnwrap(String(validating: bn.body.dropFirst(3), as: UTF8.self))
        let bg = try await export(sim, "bac-giang")
        XCTAssertEqual(bg.status, 200)
        XCTAssertNil(String(validating: bg.body, as: UTF8.self), "the Bắc Giang export is not UTF-8")
        let bgText = LegacyTextNormalizer.decode(bytes: bg.body, from: .tcvn3)
        for (text, province) in [(bnText, "27"), (bgText, "24")] {
            let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            XCTAssertEqual(lines.first, "ma_truong,ten_truong,cap_hoc,loai_hinh,ma_xa,ten_xa,so_hoc_sinh,so_giao_vien,so_lop,nam_hoc,vi_do,kinh_do")
            XCTAssertGreaterThan(lines.count, 100)
            let codes = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[0] }.filter { !$0.isEmpty }
            XCTAssertTrue(codes.allSatisfy { $0.hasPrefix(province) && $0.count == 8 }, province)
            XCTAssertTrue(lines.contains { $0.contains("Trường Tiểu học") || $0.contains("Trường Tiểu học".decomposedStringWithCanonicalMapping) })
            XCTAssertTrue(lines.contains { $0.contains(",THPT,") })
        }
        XCTAssertTrue(bgText.contains("Trường Mầm non"), "TCVN3 decodes to Vietnamese")
        let noKey = try await sim.client.send("GET", "/api/giaoduc/v1/truong-hoc.csv?so=bac-ninh")
        XCTAssertEqual(noKey.status, 401)
        let key = sim.simulator.configuration.credentials.schoolsAPIKey
        let unknown = try await sim.client.send("GET", "/api/giaoduc/v1/truong-hoc.csv?so=ha-noi&api_key=\(key)")
        XCTAssertEqual(unknown.status, 400)
    }

    func testTruthHoldsEveryGoodRowOfBothExportsAsItArrives() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-truth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sim = try await RunningSimulator.start(.init(seed: 62, scale: 0.01, truthDirectory: dir.path))
        defer { Task { await sim.stop() } }
        var served: [[String?]] = []
        for department in ["bac-ninh", "bac-giang"] {
            let answer = try await export(sim, department)
            let text = department == "bac-ninh"
                ? String(decoding: answer.body.dropFirst(3), as: UTF8.self) : LegacyTextNormalizer.decode(bytes: answer.body, from: .tcvn3)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("served-\(UUID().uuidString).csv")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(text.replacingOccurrences(of: "\r\n", with: "\n").utf8).write(to: file)
            served += try CSVReader.read(file).dropFirst()
        }
        let good = served.filter { $0[0] != nil && Int($0[6] ?? "") != nil }
        XCTAssertGreaterThan(served.count - good.count, 0, "some malformed rows")
        let truth = try CSVReader.read(dir.appendingPathComponent("schools.csv")).dropFirst()
        // The export's last two columns, the position, have their own truth (schools_positions.csv).
        XCTAssertEqual(Set(truth.map(rowKey)), Set(good.map { rowKey(Array($0.dropLast(2))) }))
        let positions = try CSVReader.read(dir.appendingPathComponent("schools_positions.csv")).dropFirst()
        XCTAssertEqual(Set(positions.map { $0[0] }), Set(good.map { $0[0] }), "every good row's school has a true position")
        let rejects = try CSVReader.read(dir.appendingPathComponent("rejects.csv")).filter { $0[0] == "schools" }
        XCTAssertEqual(rejects.count, served.count - good.count)
    }
}
