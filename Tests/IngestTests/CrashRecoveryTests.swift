import Foundation
import Ingest
import Postgres
import TestSupport
import Warehouse
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of `citypipe ingest` in the middle of a load, then a re-run: staging ends equal to the source,
/// with no duplicates and nothing half-loaded in between.
final class CrashRecoveryTests: DatabaseTestCase {
    override var databasePrefix: String { "crash" }

    static var binary: URL { BuiltBinary.citypipe }

    func testKillNineMidLoadThenRerunEqualsTheSource() async throws {
        _ = try Warehouse.migrate(connection)
        let source = PopulationSource(people: 5_000)
        await source.setPageDelay(.milliseconds(300))
        let server = try await LoopbackServer.start(source.router())
        defer { server.stop() }
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = database.url
        environment["CITYPIPE_POPULATION_URL"] = server.base
        environment["CITYPIPE_POPULATION_CLIENT_ID"] = "lgsp"
        environment["CITYPIPE_POPULATION_CLIENT_SECRET"] = "s3cret"
        let connectors = ConnectorRunnerTests.connectors.path

        let victim = Process()
        victim.executableURL = CrashRecoveryTests.binary
        victim.arguments = ["ingest", "population", "--connectors", connectors]
        victim.environment = environment
        victim.standardOutput = FileHandle.nullDevice
        victim.standardError = FileHandle.nullDevice
        try victim.run()
        await source.waitForPages(3)
        let served = await source.pagesServed
        XCTAssertGreaterThanOrEqual(served, 3)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal)

        // Nothing of the cut-off load is visible: its transaction never committed.
        let staged = try connection.query("SELECT to_regclass('staging.population') IS NULL AS gone")[0].decode(Bool.self, "gone")
        XCTAssertTrue(staged, "not even the staging table the load created")
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.feed_state")[0].decode(Int.self, "n"), 0)

        await source.setPageDelay(.zero)
        let rerun = Process()
        rerun.executableURL = CrashRecoveryTests.binary
        rerun.arguments = ["ingest", "population", "--connectors", connectors]
        rerun.environment = environment
        rerun.standardOutput = FileHandle.nullDevice
        try rerun.run()
        rerun.waitUntilExit()
        XCTAssertEqual(rerun.terminationStatus, 0)

        let counts = try connection.query(
            "SELECT count(*) AS n, count(DISTINCT citizen_id) AS d FROM staging.population")[0]
        XCTAssertEqual(try counts.decode(Int.self, "n"), 4_999, "every person but the one with an impossible birth date")
        XCTAssertEqual(try counts.decode(Int.self, "d"), 4_999)
        let runs = try connection.query("SELECT status, coalesce(error, '') AS error FROM citypipe.feed_runs ORDER BY feed_run_id")
        XCTAssertEqual(try runs.map { try $0.decode(String.self, "status") }, ["failed", "succeeded"])
        XCTAssertTrue(try runs[0].decode(String.self, "error").hasPrefix("abandoned"))
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.rejects")[0].decode(Int.self, "n"), 1)
    }
}
