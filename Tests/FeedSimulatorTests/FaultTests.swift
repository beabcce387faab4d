import FeedSimulator
import Foundation
import XCTest

final class FaultTests: XCTestCase {
    /// With every request faulty, each kind of fault shows up, and none of them serves wrong data.
    func testEveryKindOfFaultIsInjected() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 21, scale: 0.002, faultRate: 1))
        let reference = try await RunningSimulator.start(.init(seed: 21, scale: 0.002))
        defer { Task { await sim.stop(); await reference.stop() } }
        var none = 0
        let expected = try await reference.client.insuranceCSV(period: "2025-06", faults: &none)
        let credentials = sim.simulator.configuration.credentials
        let auth = FeedClient.basic(credentials.insuranceUser, credentials.insurancePassword)
        var kinds: [String: Int] = [:]
        let t0 = ContinuousClock.now
        for _ in 0..<30 {
            let started = ContinuousClock.now
            do {
                let answer = try await sim.client.send(
                    "GET", "/exports/participants.csv.gz?period=2025-06", headers: [("Authorization", auth)])
                let slow = ContinuousClock.now - started >= .milliseconds(950)
                switch answer.status {
                case 429:
                    XCTAssertEqual(answer.headers["retry-after"], "1")
                    kinds["429", default: 0] += 1
                case 503: kinds["503", default: 0] += 1
                case 200:
                    if let csv = Inflate.gunzip(answer.body) {
                        XCTAssertEqual(csv, expected, "a fault never changes the data")
                        XCTAssertTrue(slow)
                        kinds["slow", default: 0] += 1
                    } else if answer.body.count == Int(answer.headers["content-length"] ?? "") {
                        kinds["bad gzip", default: 0] += 1
                    } else {
                        kinds["short body", default: 0] += 1
                    }
                default: XCTFail("status \(answer.status)")
                }
            } catch {
                kinds["truncated", default: 0] += 1
            }
        }
        print("insurance faults: \(kinds.sorted { $0.key < $1.key }) in \(ContinuousClock.now - t0)")
        for kind in ["429", "503", "slow", "bad gzip", "truncated"] {
            XCTAssertGreaterThan(kinds[kind, default: 0], 0, kind)
        }
        // Population: a valid token gets 401 now and then ("expired"); a new token works.
        var expired = 0
        let t1 = ContinuousClock.now
        var token = try await sim.client.accessToken()
        for _ in 0..<20 {
            if let answer = try? await sim.client.citizens("limit=5", token: token), answer.status == 401 {
                expired += 1
                token = try await sim.client.accessToken()
            }
        }
        XCTAssertGreaterThan(expired, 0)
        print("population: \(expired) expired-token faults in 20 requests, \(ContinuousClock.now - t1)")
    }
}
