import FeedSimulator
import Foundation
import Normalize
import ReferenceData
import XCTest

/// A labour record as served.
struct LabourRecord: Codable, Sendable {
    struct Residence: Codable, Sendable {
        let maXa: String
        let tenXa: String
    }
    struct Occupation: Codable, Sendable {
        let ma: String
        let ten: String
    }
    let maHoSo: String
    let loaiHoSo: String
    let soDinhDanh: String?
    let hoTen: String
    let noiCuTru: Residence
    let ngheNghiep: Occupation
    let ngayNopHoSo: String
    let mucHuongThang: Int?
    let soThangHuong: Int?
    let trangThai: String
    let ngayCapNhat: String
}

struct LabourPage: Codable, Sendable {
    struct Paging: Codable, Sendable {
        let page: Int
        let page_size: Int
        let total: Int
    }
    let data: [LabourRecord]
    let paging: Paging
}

extension FeedClient {
    /// Every labour record of a query (`from=…&to=…`), page by page; retries every fault.
    func walkLabour(_ query: String, pageSize: Int = 500, faults: inout Int) async throws -> [LabourRecord] {
        var out: [LabourRecord] = []
        var page = 1
        while true {
            let q = query + "&page=\(page)&page_size=\(pageSize)"
            let answer = try await retrying(
                &faults,
                request: {
                    try await send(
                        "GET", "/api/v1/labour/records?" + q, headers: [("Authorization", "Bearer " + credentials.labourToken)])
                }, accept: { try JSONDecoder().decode(LabourPage.self, from: Data($0.body)) })
            out += answer.data
            if answer.data.count < pageSize { return out }
            page += 1
        }
    }
}

final class LabourFeedTests: XCTestCase {
    func testRecordsOfPeopleSpreadFrom2024WithBothDateStylesAndEraCodes() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 31, scale: 0.01))
        defer { Task { await sim.stop() } }
        var faults = 0
        let all = try await sim.client.walkLabour("from=2024-01-01", faults: &faults)
        XCTAssertEqual(all.count, 1_400, "one record a year for about 5 % of 14,000 people over two years")
        XCTAssertEqual(Set(all.map(\.maHoSo)).count, all.count, "claim ids are unique")
        XCTAssertEqual(all.map(\.ngayCapNhat), all.map(\.ngayCapNhat).sorted(), "served in updated_at order")
        XCTAssertGreaterThanOrEqual(all.first?.ngayCapNhat ?? "", "2024-01-01T00:00:00+07:00")
        XCTAssertLessThan(all.last?.ngayCapNhat ?? "", "2026-01-01T00:00:00+07:00")
        let people = Set(try await sim.client.walkPopulation(faults: &faults).records.compactMap(\.soDinhDanh))
        let ids = all.compactMap(\.soDinhDanh)
        XCTAssertGreaterThan(ids.filter(people.contains).count, ids.count * 99 / 100, "citizens of the population feed")
        XCTAssertGreaterThan(all.filter { $0.soDinhDanh == nil }.count, 0, "a few without an id")
        let dmy = all.filter { $0.ngayNopHoSo.contains("/") }.count
        XCTAssertGreaterThan(dmy, all.count / 2)
        XCTAssertLessThan(dmy, all.count * 3 / 4, "and the rest ISO")
        // Codes of the era: wards of the new province from 1 July 2025, old communes before.
        // (A code alone does not tell its era: 2025 codes reuse old ones. Names do.)
        let newWards = Dictionary(
            try ReferenceData.adminUnits2025().filter { $0.provinceCode == "24" }.map { ($0.wardCode, $0.wardName) },
            uniquingKeysWith: { a, _ in a })
        let oldUnits = Dictionary(
            try ReferenceData.adminUnits2024().filter { $0.provinceName.hasSuffix("Bắc Ninh") || $0.provinceName.hasSuffix("Bắc Giang") }
                .map { ($0.wardCode, $0.wardName) }, uniquingKeysWith: { a, _ in a })
        for record in all {
            let units = record.ngayCapNhat >= "2025-07-01T00:00:00+07:00" ? newWards : oldUnits
            XCTAssertEqual(units[record.noiCuTru.maXa], record.noiCuTru.tenXa, "\(record.maHoSo) \(record.noiCuTru.maXa)")
        }
        XCTAssertGreaterThan(all.filter { newWards[$0.noiCuTru.maXa] == nil }.count, 100, "many old codes")
        let claims = all.filter { $0.loaiHoSo == "TCTN" }
        XCTAssertTrue(claims.allSatisfy { ($0.mucHuongThang ?? 0) > 0 && ($0.soThangHuong ?? 0) >= 3 })
        XCTAssertTrue(all.filter { $0.loaiHoSo == "TIMVIEC" }.allSatisfy { $0.mucHuongThang == nil })
        XCTAssertEqual(faults, 0)
    }

    func testDayWindowsAreEndExclusiveAndEachHasData() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 32, scale: 0.01))
        defer { Task { await sim.stop() } }
        var faults = 0
        let month = try await sim.client.walkLabour("from=2025-03-01&to=2025-04-01", faults: &faults)
        var days: [LabourRecord] = []
        for day in 1...31 {
            let from = String(format: "2025-03-%02d", day)
            let to = day == 31 ? "2025-04-01" : String(format: "2025-03-%02d", day + 1)
            let window = try await sim.client.walkLabour("from=\(from)&to=\(to)", pageSize: 2, faults: &faults)
            XCTAssertFalse(window.isEmpty, "day \(from) has data")
            XCTAssertTrue(window.allSatisfy { $0.ngayCapNhat.hasPrefix(from) }, from)
            days += window
        }
        XCTAssertEqual(days.map(\.maHoSo), month.map(\.maHoSo), "the days of March are March, nothing twice")
        let iso = try await sim.client.walkLabour(
            "from=2025-03-01T00:00:00%2B07:00&to=2025-04-01T00:00:00%2B07:00", faults: &faults)
        XCTAssertEqual(iso.map(\.maHoSo), month.map(\.maHoSo), "ISO date-times work as well as dates")
    }

    func testAuthAndBadParameters() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 33, scale: 0.002))
        defer { Task { await sim.stop() } }
        let token = sim.simulator.configuration.credentials.labourToken
        let none = try await sim.client.send("GET", "/api/v1/labour/records?from=2025-01-01")
        XCTAssertEqual(none.status, 401)
        let wrong = try await sim.client.send(
            "GET", "/api/v1/labour/records?from=2025-01-01", headers: [("Authorization", "Bearer nope")])
        XCTAssertEqual(wrong.status, 401)
        for query in ["from=01/02/2025", "to=yesterday", "page=0", "page_size=-1"] {
            let bad = try await sim.client.send(
                "GET", "/api/v1/labour/records?" + query, headers: [("Authorization", "Bearer " + token)])
            XCTAssertEqual(bad.status, 400, query)
        }
    }

    func testTruthIsWhatAFullWalkServesLessTheMalformed() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-truth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sim = try await RunningSimulator.start(.init(seed: 34, scale: 0.02, truthDirectory: dir.path))
        defer { Task { await sim.stop() } }
        var faults = 0
        let served = try await sim.client.walkLabour("from=2024-01-01", faults: &faults)
        let truth = try CSVReader.read(dir.appendingPathComponent("labour.csv"))
        let rejects = try CSVReader.read(dir.appendingPathComponent("rejects.csv")).filter { $0[0] == "labour" }
        let malformed = served.filter { $0.soDinhDanh == nil || $0.ngayNopHoSo.hasPrefix("31/02") }
        XCTAssertGreaterThan(malformed.count, 0)
        XCTAssertEqual(Set(rejects.compactMap { $0[2] }), Set(malformed.map(\.maHoSo)))
        XCTAssertEqual(Set(truth.dropFirst().compactMap { $0[0] }), Set(served.map(\.maHoSo)).subtracting(malformed.map(\.maHoSo)))
        let byID = Dictionary(uniqueKeysWithValues: served.map { ($0.maHoSo, $0) })
        for row in truth.dropFirst() {
            guard let id = row[0], let record = byID[id] else { continue }
            XCTAssertEqual(row[3], record.hoTen)
            XCTAssertEqual(row[4], record.noiCuTru.maXa)
            XCTAssertEqual(row[12], record.ngayCapNhat)
            let date = record.ngayNopHoSo.contains("/")
                ? record.ngayNopHoSo.split(separator: "/").reversed().joined(separator: "-") : record.ngayNopHoSo
            XCTAssertEqual(row[8], date)
        }
    }
}
