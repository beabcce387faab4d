import FeedSimulator
import Foundation
import Normalize
import XCTest

final class FinanceFeedTests: XCTestCase {
    func document(_ sim: RunningSimulator, _ period: String) async throws -> Answer {
        try await sim.client.send(
            "GET", "/api/taichinh/v1/chung-tu-nop-thue.xml?ky=\(period)",
            headers: [("X-Api-Key", sim.simulator.configuration.credentials.financeAPIKey)])
    }

    /// The `ChungTu` elements of a document, as (SoChungTu, MaSoThue, SoTien, NgayNop, TenNguoiNopThue).
    func payments(_ body: [UInt8]) -> [(String, String, String, String, String)] {
        String(decoding: body, as: UTF8.self).components(separatedBy: "<ChungTu ").dropFirst().map { part in
            func value(_ name: String) -> String {
                guard let open = part.range(of: "<\(name)>"), let close = part.range(of: "</\(name)>") else { return "" }
                return String(part[open.upperBound..<close.lowerBound])
            }
            let number = part.split(separator: "\"")[1]
            return (String(number), value("MaSoThue"), value("SoTien"), value("NgayNop"), value("TenNguoiNopThue"))
        }
    }

    func testMonthlyDocumentsOfPaymentsByTheEnterprisesOfTheBusinessFeed() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 81, scale: 0.01))
        defer { Task { await sim.stop() } }
        let january = try await document(sim, "2025-01")
        XCTAssertEqual(january.status, 200)
        XCTAssertEqual(january.headers["content-type"], "application/xml; charset=utf-8")
        let text = String(decoding: january.body, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("<?xml") && text.contains("<KyDuLieu>2025-01</KyDuLieu>"))
        let rows = payments(january.body)
        XCTAssertGreaterThan(rows.count, 200, "200 enterprises: VAT, PIT, CIT (quarterly) and the licence fee in January")
        XCTAssertEqual(Set(rows.map(\.0)).count, rows.count, "document numbers are unique")
        XCTAssertTrue(rows.allSatisfy { $0.3.hasPrefix("2025-01-") || $0.3.hasSuffix("/01/2025") })
        var faults = 0
        var names: [String: String] = [:]
        for record in try await sim.client.walkBusiness(faults: &faults) {
            if let code = record.maSoThue { names[code] = record.tenDoanhNghiep }
        }
        let business = Set(names.keys)
        let codes = rows.map(\.1).filter { !$0.isEmpty }
        XCTAssertGreaterThan(codes.filter(business.contains).count, codes.count * 98 / 100, "tax codes of the business feed")
        XCTAssertTrue(codes.contains { $0.count == 14 }, "branches pay with their own code")
        // The payer is named as the business feed names the enterprise of that code (a few in decomposed Unicode).
        let named = rows.filter { names[$0.1] != nil }
        XCTAssertGreaterThan(named.count, 200)
        for row in named {
            XCTAssertEqual(row.4.precomposedStringWithCanonicalMapping, names[row.1], "payer of \(row.1)")
        }
        XCTAssertTrue(text.contains("<LoaiThue>Môn bài</LoaiThue>"))
        let februaryAnswer = try await document(sim, "2025-02")
        let february = payments(februaryAnswer.body)
        XCTAssertLessThan(february.count, rows.count, "no licence fee nor quarterly CIT in February")
        let again = try await document(sim, "2025-01")
        XCTAssertEqual(again.body, january.body, "deterministic")
        let empty = try await document(sim, "2021-06")
        XCTAssertEqual(empty.status, 200)
        XCTAssertEqual(payments(empty.body).count, 0)
        let before = try await document(sim, "2019-12")
        XCTAssertEqual(before.status, 404)
        let future = try await document(sim, "2099-01")
        XCTAssertEqual(future.status, 404)
        let noKey = try await sim.client.send("GET", "/api/taichinh/v1/chung-tu-nop-thue.xml?ky=2025-01")
        XCTAssertEqual(noKey.status, 401)
    }

    func testTruthHoldsEveryGoodPaymentOfEveryMonth() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-truth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sim = try await RunningSimulator.start(.init(seed: 82, scale: 0.01, truthDirectory: dir.path))
        defer { Task { await sim.stop() } }
        var served: [(String, String, String, String, String)] = []
        for year in [2024, 2025] {
            for month in 1...12 {
                let answer = try await document(sim, String(format: "%04d-%02d", year, month))
                served += payments(answer.body)
            }
        }
        let malformed = served.filter { $0.1.isEmpty || $0.2.contains(".") }
        XCTAssertGreaterThan(malformed.count, 0)
        let truth = try CSVReader.read(dir.appendingPathComponent("finance.csv")).dropFirst()
        XCTAssertEqual(Set(truth.compactMap { $0[0] }), Set(served.map(\.0)).subtracting(malformed.map(\.0)))
        let rejects = try CSVReader.read(dir.appendingPathComponent("rejects.csv")).filter { $0[0] == "finance" }
        XCTAssertEqual(Set(rejects.compactMap { $0[2] }), Set(malformed.map(\.0)))
    }
}
