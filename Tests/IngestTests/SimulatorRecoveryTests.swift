import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `citypipe ingest` against `citypipe simulate` when the source changes, when the load is killed, and when the
/// gateway ends the access token mid-run; each time staging ends equal to the simulator's truth.
final class SimulatorRecoveryTests: SimulatorIngestTestCase {
    /// A population load started against `simulator` slowed to `delay` ms per answer, once the simulator has
    /// answered `requests` of its pages (or is answering them); its output goes to a temporary log.
    func slowPopulationLoad(_ simulator: SimulatorProcess, delay: Int, requests: Int) async throws
        -> (process: Process, log: URL, state: SimulatorState)
    {
        try await simulator.admin(.POST, "/_sim/delay?ms=\(delay)")
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString).log")
        let process = try simulator.start(
            ["ingest", "population", "--connectors", BuiltBinary.connectors.path], databaseURL: database.url, log: log)
        let state = try await simulator.waitFor { ($0.requests["population"] ?? 0) >= requests }
        return (process, log, state)
    }

    func text(of log: URL) -> String {
        (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    }

    func testRecordsChangedAtTheSourceReplaceTheirStagedRowsAndLeaversAreMarkedDeleted() async throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 13, scale: 0.01)
        defer { simulator.stop() }
        let first = try ingest(["population", "business"], simulator)
        XCTAssertEqual(first.status, 0, first.output)
        try assertPopulationEqualsTruth(simulator)
        let peopleBefore = try count("SELECT count(*) FROM staging.population")

        // The next generation: 300 people get a new version (phone, address, a later updated_at), 40 new people
        // appear, 6 enterprises leave the registry.
        let advanced = try await simulator.admin(.POST, "/_sim/advance?changed=300&added=40&removed=6")
        XCTAssertEqual(advanced.generation, 1)
        let second = try ingest(["population", "business"], simulator)
        XCTAssertEqual(second.status, 0, second.output)

        try assertPopulationEqualsTruth(simulator)
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.population") - peopleBefore,
            try count("SELECT count(*) FROM truth_population") - peopleBefore, "the new people, once each")
        let load = try connection.query(
            "SELECT rows_in, rows_staged FROM citypipe.feed_runs WHERE feed = 'population' ORDER BY feed_run_id DESC LIMIT 1")[0]
        let staged = try load.decode(Int.self, "rows_staged")
        XCTAssertGreaterThanOrEqual(staged, 300 + 30, "the changed people replaced their rows and most new people came in")
        XCTAssertLessThanOrEqual(staged, 340)
        XCTAssertLessThan(try load.decode(Int.self, "rows_in"), 1_000, "only what changed since the cursor was asked for")
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.population WHERE _run_id = (SELECT max(_run_id) FROM staging.population)"), staged,
            "exactly the changed and new rows were rewritten")

        try assertBusinessEqualsTruth(simulator)
        let leavers = try count(
            "SELECT count(*) FROM staging.business s WHERE NOT EXISTS (SELECT 1 FROM truth_business t WHERE t.tax_code = s.tax_code)")
        XCTAssertGreaterThan(leavers, 0, "some of the 6 enterprises that left had been staged")
        XCTAssertLessThanOrEqual(leavers, 6)
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.business WHERE _deleted_at IS NOT NULL"), leavers,
            "every enterprise that left the snapshot, and only those, is marked deleted")
    }

    func testKillNineMidLoadThenARerunEqualsTheTruthWithNoDuplicates() async throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 14, scale: 0.01)
        defer { simulator.stop() }
        // A slow gateway: a quarter of a second per answer keeps the load going long enough to cut it off.
        let (victim, output, reached) = try await slowPopulationLoad(simulator, delay: 250, requests: 6)
        defer { TestLogs.keep(output); try? FileManager.default.removeItem(at: output) }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal, text(of: output))
        XCTAssertGreaterThanOrEqual(reached.requests["population"] ?? 0, 6)

        // Nothing of the cut-off load is visible: its transaction never committed (the server ends it when it
        // finds the client gone).
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_state WHERE feed = 'population'"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM pg_tables WHERE schemaname = 'staging' AND tablename = 'population'"), 0)

        try await simulator.admin(.POST, "/_sim/delay?ms=0")
        let rerun = try ingest(["population"], simulator)
        XCTAssertEqual(rerun.status, 0, rerun.output)
        try assertPopulationEqualsTruth(simulator)
        try assertRejectsMatchTruth("population", simulator)
        let runs = try connection.query(
            "SELECT status, coalesce(error, '') AS error FROM citypipe.feed_runs WHERE feed = 'population' ORDER BY feed_run_id")
        XCTAssertEqual(try runs.map { try $0.decode(String.self, "status") }, ["failed", "succeeded"])
        XCTAssertTrue(try runs[0].decode(String.self, "error").hasPrefix("abandoned"), "the killed load is marked abandoned")
    }

    func testAnAccessTokenEndedMidRunIsRenewedAndTheLoadCompletes() async throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 15, scale: 0.01)
        defer { simulator.stop() }
        let (load, output, before) = try await slowPopulationLoad(simulator, delay: 200, requests: 4)
        defer { TestLogs.keep(output); try? FileManager.default.removeItem(at: output) }
        XCTAssertEqual(before.tokensIssued, 1, "one token so far, cached for its lifetime (300 s)")
        // The gateway rotates its signing key: the token the load holds stops working long before it said.
        try await simulator.admin(.POST, "/_sim/tokens/expire")
        _ = try await simulator.waitFor { $0.tokensRefused >= 1 }
        try await simulator.admin(.POST, "/_sim/delay?ms=0")
        load.waitUntilExit()
        XCTAssertEqual(load.terminationStatus, 0, text(of: output))

        let after = try await simulator.admin(.GET, "/_sim/state")
        XCTAssertGreaterThanOrEqual(after.tokensIssued, 2, "a new token was fetched after the 401")
        XCTAssertGreaterThanOrEqual(after.tokensRefused, 1)
        try assertPopulationEqualsTruth(simulator)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'population' AND status = 'succeeded'"), 1)
    }
}
