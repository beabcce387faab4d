import FeedSimulator
import TestSupport
import Foundation
import XCTest

/// Byte-exact key of a row (Swift's `String ==` would equate NFC and NFD).
func rowKey(_ row: [String?]) -> [UInt8] {
    Array(row.map { $0 ?? "\u{0}" }.joined(separator: "\u{1}").utf8)
}

final class PopulationFeedTests: XCTestCase {
    func testSameSeedGivesSameBytesAndAnotherSeedDoesNot() async throws {
        let a = try await RunningSimulator.start(.init(seed: 7, scale: 0.01))
        let b = try await RunningSimulator.start(.init(seed: 7, scale: 0.01))
        let c = try await RunningSimulator.start(.init(seed: 8, scale: 0.01))
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let ta = try await a.client.accessToken()
        let tb = try await b.client.accessToken()
        let tc = try await c.client.accessToken()
        for query in ["limit=500", "limit=1000&updated_since=2025-09-01T00:00:00Z", "limit=7&cursor=c1.MTIzNDU6"] {
            let pa = try await a.client.citizens(query, token: ta)
            let pb = try await b.client.citizens(query, token: tb)
            let pc = try await c.client.citizens(query, token: tc)
            XCTAssertEqual(pa.status, 200, query)
            XCTAssertEqual(pa.body, pb.body, query)
            XCTAssertNotEqual(pa.body, pc.body, query)
        }
        var faults = 0
        let ba = try await a.client.walkBusiness(faults: &faults)
        let bb = try await b.client.walkBusiness(faults: &faults)
        XCTAssertEqual(ba, bb)
        let ia = try await a.client.insuranceCSV(period: "2025-05", faults: &faults)
        let ib = try await b.client.insuranceCSV(period: "2025-05", faults: &faults)
        XCTAssertEqual(ia, ib)
        XCTAssertEqual(faults, 0)
    }

    func testCursorWalkServesEveryPersonOnceInOrder() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 3, scale: 0.01, duplicateRate: 0.3))
        defer { Task { await sim.stop() } }
        var faults = 0
        let started = ContinuousClock.now
        let walk = try await sim.client.walkPopulation(limit: 1000, faults: &faults)
        let elapsed = ContinuousClock.now - started
        XCTAssertEqual(faults, 0)
        // 14,000 people; a page sometimes starts again with the previous page's last record (an inclusive cursor).
        var seen: [String: CitizenRecord] = [:]
        var duplicates = 0
        var previous = ""
        for record in walk.records {
            XCTAssertGreaterThanOrEqual(record.ngayCapNhat, previous, "sorted by updated_at")
            previous = record.ngayCapNhat
            if let earlier = seen[record.ngayCapNhat] {
                XCTAssertEqual(rowKey(earlier.truthRow), rowKey(record.truthRow), "a repeat is byte-identical")
                duplicates += 1
            } else {
                seen[record.ngayCapNhat] = record
            }
        }
        XCTAssertEqual(seen.count, 14_000)
        XCTAssertLessThan(duplicates, walk.pages)
        XCTAssertGreaterThan(duplicates, 0, "some pages repeat the previous page's last record")
        let ids = Set(seen.values.compactMap(\.soDinhDanh))
        XCTAssertEqual(ids.count, seen.values.filter { $0.soDinhDanh != nil }.count, "citizen ids are unique")
        // The messiness DESIGN.md asks for is there.
        let values = Array(seen.values)
        XCTAssertGreaterThan(values.filter { $0.soDinhDanh?.count == 9 }.count, 50, "some 9-digit CMND")
        XCTAssertGreaterThan(values.filter { $0.soDienThoai?.count == 11 }.count, 50, "some 11-digit phones")
        XCTAssertGreaterThan(values.filter { $0.hoVaTen != $0.hoVaTen.precomposedStringWithCanonicalMapping || $0.hoVaTen.unicodeScalars.count != $0.hoVaTen.precomposedStringWithCanonicalMapping.unicodeScalars.count }.count, 100, "some NFD names")
        XCTAssertGreaterThan(values.filter { $0.hoVaTen == $0.hoVaTen.uppercased() }.count, 100, "some upper-case names")
        XCTAssertGreaterThan(values.filter { $0.noiThuongTru.maXa == nil }.count, 50, "some free-text-only addresses")
        XCTAssertGreaterThan(values.filter { $0.ngayCapNhat < "2025-07-01" }.count, 1_000, "~10 % pre-reform")
        XCTAssertGreaterThan(values.filter(\.isMalformed).count, 5, "some malformed records")
        print("population walk: \(walk.records.count) records in \(walk.pages) pages, \(elapsed) (debug build)")
    }

    func testUpdatedSinceAndBeforeSelectExactlyTheWindow() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 4, scale: 0.01, duplicateRate: 0))
        defer { Task { await sim.stop() } }
        var faults = 0
        let all = try await sim.client.walkPopulation(faults: &faults).records
        XCTAssertEqual(all.count, 14_000)
        let since = all[9_000].ngayCapNhat
        let before = all[12_345].ngayCapNhat
        let encoded = { (s: String) in s.replacingOccurrences(of: "+", with: "%2B") }
        let tail = try await sim.client.walkPopulation(query: "updated_since=" + encoded(since), limit: 333, faults: &faults)
        XCTAssertEqual(tail.records.map(\.ngayCapNhat), all[9_000...].map(\.ngayCapNhat))
        let window = try await sim.client.walkPopulation(
            query: "updated_since=\(encoded(since))&updated_before=\(encoded(before))", limit: 1000, faults: &faults)
        XCTAssertEqual(window.records.map(\.ngayCapNhat), all[9_000..<12_345].map(\.ngayCapNhat))
        // The same instant written in UTC selects the same records.
        let utc = try await sim.client.walkPopulation(query: "updated_since=2025-06-30T17:00:00Z", faults: &faults)
        XCTAssertEqual(utc.records.map(\.ngayCapNhat), all.filter { $0.ngayCapNhat >= "2025-07-01T00:00:00+07:00" }.map(\.ngayCapNhat))
        XCTAssertEqual(faults, 0)
    }

    func testExpiredTokenIsRefusedAndANewOneWorks() async throws {
        let clock = TestClock()
        var configuration = SimulatorConfiguration(seed: 5, scale: 0.001, tokenTTL: 1)
        configuration.clock = clock.now
        let sim = try await RunningSimulator.start(configuration)
        defer { Task { await sim.stop() } }
        let client = sim.client
        let bad = try await client.send(
            "POST", "/oauth/token", headers: [("Authorization", FeedClient.basic("citypipe-sim", "wrong"))],
            body: Array("grant_type=client_credentials".utf8))
        XCTAssertEqual(bad.status, 401)
        let token = try await client.accessToken()
        let first = try await client.citizens("limit=5", token: token)
        XCTAssertEqual(first.status, 200)
        clock.advance(by: .seconds(1))
        let expired = try await client.citizens("limit=5", token: token)
        XCTAssertEqual(expired.status, 401)
        XCTAssertEqual(expired.headers["www-authenticate"], "Bearer error=\"invalid_token\"")
        let fresh = try await client.accessToken()
        let again = try await client.citizens("limit=5", token: fresh)
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(again.body, first.body)
        let none = try await client.send("GET", "/v1/citizens?limit=5")
        XCTAssertEqual(none.status, 401)
    }

    func testEndedTokensAreRefusedTheDelayHoldsAnswersAndTheStateCountsBoth() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 7, scale: 0.001))
        defer { Task { await sim.stop() } }
        let client = sim.client
        func status(_ method: String, _ path: String) async throws -> Int { try await client.send(method, path).status }
        let token = try await client.accessToken()
        let before = try await client.citizens("limit=5", token: token)
        XCTAssertEqual(before.status, 200)

        // Every token issued so far stops working at once; a new one works.
        let expire = try await status("POST", "/_sim/tokens/expire")
        XCTAssertEqual(expire, 200)
        let ended = try await client.citizens("limit=5", token: token)
        XCTAssertEqual(ended.status, 401)
        XCTAssertEqual(ended.headers["www-authenticate"], "Bearer error=\"invalid_token\"")
        let fresh = try await client.accessToken()
        let renewed = try await client.citizens("limit=5", token: fresh)
        XCTAssertEqual(renewed.status, 200)

        // A delay holds every feed answer; out-of-range values are refused.
        let delay = try await status("POST", "/_sim/delay?ms=400")
        XCTAssertEqual(delay, 200)
        let started = ContinuousClock.now
        let held = try await client.citizens("limit=5", token: fresh)
        XCTAssertEqual(held.status, 200)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(400))
        for bad in ["/_sim/delay?ms=-1", "/_sim/delay?ms=60001", "/_sim/delay?ms=x", "/_sim/delay"] {
            let refused = try await status("POST", bad)
            XCTAssertEqual(refused, 400, bad)
        }
        let none = try await status("POST", "/_sim/delay?ms=0")
        XCTAssertEqual(none, 200)

        let state = try await client.send("GET", "/_sim/state")
        XCTAssertEqual(state.status, 200)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(state.body)) as? [String: Any])
        XCTAssertEqual(json["delay_ms"] as? Int, 0)
        XCTAssertEqual(json["tokens_issued"] as? Int, 2)
        XCTAssertEqual(json["tokens_refused"] as? Int, 1)
        let requests = try XCTUnwrap(json["requests"] as? [String: Int])
        XCTAssertEqual(requests["token"], 2)
        XCTAssertEqual(requests["population"], 4)
        XCTAssertEqual(requests["business"], 0)
        XCTAssertEqual(Set(requests.keys), [
            "token", "population", "business", "insurance", "labour", "health_encounters", "schools", "statistics", "finance",
            "admin_boundaries", "land", "telecom", "air_quality", "health_facilities",
        ])
    }

    func testAdvanceChangesExactlyNRecordsAndAddsM() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 6, scale: 0.01))
        defer { Task { await sim.stop() } }
        var faults = 0
        let before = try await sim.client.walkPopulation(faults: &faults).records
        let businessBefore = try await sim.client.walkBusiness(faults: &faults)
        let last = try XCTUnwrap(before.last?.ngayCapNhat)
        let advanced = try await sim.client.send("POST", "/_sim/advance?changed=37&added=11&removed=2")
        XCTAssertEqual(advanced.status, 200)
        let incremental = try await sim.client.walkPopulation(
            query: "updated_since=" + last.replacingOccurrences(of: "+", with: "%2B"), faults: &faults).records
        // Inclusive: the last record already seen, then exactly the 48 new versions.
        XCTAssertEqual(incremental.first?.ngayCapNhat, last)
        XCTAssertEqual(incremental.dropFirst().count, 48)
        let after = try await sim.client.walkPopulation(faults: &faults).records
        func byPerson(_ records: [CitizenRecord]) -> [String: CitizenRecord] {
            var out: [String: CitizenRecord] = [:]
            for r in records { out[r.soDinhDanh ?? "?" + r.ngayCapNhat] = r }
            return out
        }
        let old = byPerson(before)
        let new = byPerson(after)
        XCTAssertEqual(new.count, old.count + 11 - old.keys.filter { $0.hasPrefix("?") && new[$0] == nil }.count
            + new.keys.filter { $0.hasPrefix("?") && old[$0] == nil }.count)
        let changed = new.filter { key, record in old[key].map { rowKey($0.truthRow) != rowKey(record.truthRow) } ?? false }
        let added = new.filter { old[$0.key] == nil && !$0.key.hasPrefix("?") }
        // A changed person whose version 0 had no id now has one: they count as "added" here.
        XCTAssertEqual(changed.count + added.count, 48)
        XCTAssertGreaterThanOrEqual(changed.count, 36)
        XCTAssertTrue(changed.values.allSatisfy { $0.ngayCapNhat > last })
        let businessAfter = try await sim.client.walkBusiness(faults: &faults)
        XCTAssertEqual(businessAfter.count, businessBefore.count - 2)
        XCTAssertTrue(Set(businessAfter).isSubset(of: Set(businessBefore)))
        // Determinism across advances: a second simulator with the same seed and advances serves the same bytes.
        let twin = try await RunningSimulator.start(.init(seed: 6, scale: 0.01))
        defer { Task { await twin.stop() } }
        _ = try await twin.client.send("POST", "/_sim/advance?changed=37&added=11&removed=2")
        let twinAfter = try await twin.client.walkPopulation(faults: &faults).records
        XCTAssertEqual(twinAfter.map { rowKey($0.truthRow) }, after.map { rowKey($0.truthRow) })
        XCTAssertEqual(faults, 0)
    }

    func testPrerenderedArenaServesTheSameBytes() async throws {
        let plain = try await RunningSimulator.start(.init(seed: 14, scale: 0.01))
        let fast = try await RunningSimulator.start(.init(seed: 14, scale: 0.01, prerender: true))
        defer { Task { await plain.stop(); await fast.stop() } }
        for round in 0..<2 {
            if round == 1 {
                _ = try await plain.client.send("POST", "/_sim/advance?changed=300&added=20")
                _ = try await fast.client.send("POST", "/_sim/advance?changed=300&added=20")
            }
            let tp = try await plain.client.accessToken()
            let tf = try await fast.client.accessToken()
            var cursor: String? = nil
            var pages = 0
            repeat {
                let q = "limit=700" + (cursor.map { "&cursor=" + $0 } ?? "")
                let a = try await plain.client.citizens(q, token: tp)
                let b = try await fast.client.citizens(q, token: tf)
                XCTAssertEqual(a.body, b.body, "round \(round) page \(pages)")
                cursor = try JSONDecoder().decode(CitizenPage.self, from: Data(a.body)).meta.next_cursor
                pages += 1
            } while cursor != nil
            let window = "limit=1000&updated_since=2020-01-01T00:00:00%2B07:00&updated_before=2025-08-01T00:00:00Z"
            let a = try await plain.client.citizens(window, token: tp)
            let b = try await fast.client.citizens(window, token: tf)
            XCTAssertEqual(a.body, b.body)
        }
    }
}
