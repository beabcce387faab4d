import CZlib
import FeedSimulator
import Foundation
import Normalize
import XCTest

final class OtherFeedsTests: XCTestCase {
    func testBusinessSnapshotHasCheckedTaxCodesAndRepresentativesFromThePopulation() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 9, scale: 0.05))
        defer { Task { await sim.stop() } }
        var faults = 0
        let all = try await sim.client.walkBusiness(limit: 300, faults: &faults)
        XCTAssertEqual(all.count, 1_000)
        let codes = all.compactMap(\.maSoThue)
        XCTAssertEqual(Set(codes).count, codes.count, "tax codes are unique")
        let valid = codes.filter { if case .success = TaxCodeNormalizer.normalize($0) { true } else { false } }
        XCTAssertGreaterThan(valid.count, codes.count * 95 / 100)
        XCTAssertLessThan(valid.count, codes.count, "a few invalid check digits")
        XCTAssertGreaterThan(codes.filter { $0.count == 14 }.count, 10, "some branches xxxxxxxxxx-nnn")
        let population = try await sim.client.walkPopulation(faults: &faults).records
        let ids = Set(population.compactMap(\.soDinhDanh))
        let reps = all.map(\.nguoiDaiDien.soDinhDanh)
        XCTAssertGreaterThan(reps.filter(ids.contains).count, reps.count * 99 / 100)
        let unauthorised = try await sim.client.send("GET", "/api/v2/enterprises?offset=0&limit=5")
        XCTAssertEqual(unauthorised.status, 401)
    }

    func testBusinessServesOnlyTheMergedProvince() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 9, scale: 0.01))
        defer { Task { await sim.stop() } }
        let key = [("X-API-Key", sim.simulator.configuration.credentials.businessAPIKey)]
        let served = try await sim.client.send("GET", "/api/v2/enterprises?province=24&offset=0&limit=5", headers: key)
        XCTAssertEqual(served.status, 200)
        let old = try await sim.client.send("GET", "/api/v2/enterprises?province=27&offset=0&limit=5", headers: key)
        XCTAssertEqual(old.status, 400, "27, the old Bắc Ninh, merged into 24 on 1 July 2025")
        XCTAssertTrue(String(decoding: old.body, as: UTF8.self).contains("unknown_province"))
        let none = try await sim.client.send("GET", "/api/v2/enterprises?offset=0&limit=5", headers: key)
        XCTAssertEqual(none.status, 400)
    }

    func testInsuranceExportIsGzipOfBOMSemicolonCSV() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 10, scale: 0.01))
        defer { Task { await sim.stop() } }
        let credentials = sim.simulator.configuration.credentials
        let auth = FeedClient.basic(credentials.insuranceUser, credentials.insurancePassword)
        let answer = try await sim.client.send(
            "GET", "/exports/participants.csv.gz?period=2025-03", headers: [("Authorization", auth)])
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.headers["content-type"], "application/gzip")
        XCTAssertEqual(Array(answer.body.prefix(2)), [0x1F, 0x8B])
        let csv = try XCTUnwrap(Inflate.gunzip(answer.body))
        XCTAssertEqual(Array(csv.prefix(3)), [0xEF, 0xBB, 0xBF])
        let lines = String(decoding: csv.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.first, "so_dinh_danh;ma_so_bhxh;ma_so_thue_don_vi;loai_hinh;ky")
        XCTAssertGreaterThan(lines.count, 2_000)
        for line in lines.dropFirst() {
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            XCTAssertEqual(fields.count, 5, line)
            XCTAssertEqual(fields.last, "2025-03")
        }
        let empty = try await sim.client.send(
            "GET", "/exports/participants.csv.gz?period=2020-01", headers: [("Authorization", auth)])
        XCTAssertEqual(empty.status, 200)
        XCTAssertEqual(Inflate.gunzip(empty.body).map { $0.count }, 3 + 54 + 2, "header only")
        let missing = try await sim.client.send(
            "GET", "/exports/participants.csv.gz?period=2019-12", headers: [("Authorization", auth)])
        XCTAssertEqual(missing.status, 404)
        let noAuth = try await sim.client.send("GET", "/exports/participants.csv.gz?period=2025-03")
        XCTAssertEqual(noAuth.status, 401)
    }

    func testWithFaultsARetryingClientGetsIdenticalData() async throws {
        let clean = try await RunningSimulator.start(.init(seed: 11, scale: 0.01))
        let faulty = try await RunningSimulator.start(.init(seed: 11, scale: 0.01, faultRate: 0.3))
        defer { Task { await clean.stop(); await faulty.stop() } }
        var none = 0
        var seen = 0
        let expected = try await clean.client.walkPopulation(limit: 500, faults: &none)
        let got = try await faulty.client.walkPopulation(limit: 500, faults: &seen)
        XCTAssertEqual(got.records.map { rowKey($0.truthRow) }, expected.records.map { rowKey($0.truthRow) })
        let expectedBusiness = try await clean.client.walkBusiness(limit: 20, faults: &none)
        let gotBusiness = try await faulty.client.walkBusiness(limit: 20, faults: &seen)
        XCTAssertEqual(gotBusiness, expectedBusiness)
        for period in ["2025-01", "2025-02", "2025-03", "2025-04"] {
            let expectedCSV = try await clean.client.insuranceCSV(period: period, faults: &none)
            let gotCSV = try await faulty.client.insuranceCSV(period: period, faults: &seen)
            XCTAssertEqual(gotCSV, expectedCSV)
        }
        XCTAssertEqual(none, 0)
        XCTAssertGreaterThan(seen, 5, "faults were injected")
        print("faults survived: \(seen)")
    }

    func testTruthFilesMatchWhatWasServed() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-truth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sim = try await RunningSimulator.start(.init(seed: 12, scale: 0.01, truthDirectory: dir.path))
        defer { Task { await sim.stop() } }
        var faults = 0
        for round in 0..<2 {
            if round == 1 {
                let answer = try await sim.client.send("POST", "/_sim/advance?changed=500&added=100&removed=5")
                XCTAssertEqual(answer.status, 200)
            }
            let served = try await sim.client.walkPopulation(faults: &faults).records
            var latest: [String: CitizenRecord] = [:]
            for r in served { latest[r.ngayCapNhat] = r }
            let truth = try CSVReader.read(dir.appendingPathComponent("population.csv"))
            XCTAssertEqual(truth.first, ["citizen_id", "full_name", "birth_date", "sex", "phone", "ward_code", "address", "updated_at"])
            let good = latest.values.filter { !$0.isMalformed }
            XCTAssertEqual(Set(truth.dropFirst().map(rowKey)), Set(good.map { rowKey($0.truthRow) }), "round \(round)")
            XCTAssertEqual(truth.count - 1, good.count)
            let rejects = try CSVReader.read(dir.appendingPathComponent("rejects.csv")).dropFirst()
            XCTAssertEqual(rejects.filter { $0[0] == "population" }.count, latest.values.filter(\.isMalformed).count)
            let business = try await sim.client.walkBusiness(faults: &faults)
            let businessTruth = try CSVReader.read(dir.appendingPathComponent("business.csv"))
            XCTAssertEqual(
                Set(businessTruth.dropFirst().map(rowKey)),
                Set(business.filter { $0.maSoThue != nil && !$0.ngayDangKy.hasPrefix("31/02") }.map { rowKey($0.truthRow) }))
            XCTAssertEqual(
                rejects.filter { $0[0] == "business" }.count,
                business.filter { $0.maSoThue == nil || $0.ngayDangKy.hasPrefix("31/02") }.count)
        }
        // Insurance: the truth holds every good row of every month with data.
        let insuranceTruth = try CSVReader.read(dir.appendingPathComponent("insurance.csv")).dropFirst()
        let march = insuranceTruth.filter { $0[4] == "2025-03" }
        let csv = try await sim.client.insuranceCSV(period: "2025-03", faults: &faults)
        let rows = String(decoding: csv.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").dropFirst()
            .filter { !$0.isEmpty }.map { $0.split(separator: ";", omittingEmptySubsequences: false).map { $0.isEmpty ? nil : String($0) } }
        XCTAssertEqual(Set(march.map(rowKey)), Set(rows.filter { $0[1] != nil }.map(rowKey)))
        XCTAssertEqual(faults, 0)
    }
}
