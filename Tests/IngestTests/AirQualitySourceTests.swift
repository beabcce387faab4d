import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The air-quality feeds over OGC SensorThings (the simulator serving as FROST-Server does), against its truth:
/// every observation once, observations uploaded a day late picked up by the next run, nothing twice after a
/// re-run, and a load killed with `kill -9` followed by a re-run equal to an uninterrupted one.
final class AirQualitySourceTests: SimulatorIngestTestCase {
    override var databasePrefix: String { "air" }

    static let feeds = ["air_quality_stations", "air_quality"]

    func assertObservationsEqualTruth(_ simulator: SimulatorProcess, file: StaticString = #filePath, line: UInt = #line) throws {
        try connection.simpleExecute("DROP TABLE IF EXISTS truth_air_quality")
        try loadTruth(
            "air_quality", simulator,
            columns: "datastream_id bigint, observation_id bigint, station_code text, pollutant text, phenomenon_time timestamptz, "
                + "result numeric, ugm3 numeric, late boolean, stuck boolean")
        XCTAssertGreaterThan(try count("SELECT count(*) FROM truth_air_quality"), 5_000, file: file, line: line)
        XCTAssertEqual(
            try difference("staging.air_quality", "truth_air_quality", columns: "datastream_id, observation_id, phenomenon_time, result"), 0,
            "staging.air_quality holds every observation the server has, each once", file: file, line: line)
    }

    func lastLoad() throws -> (rowsIn: Int, staged: Int, requests: Int) {
        let row = try connection.query(
            "SELECT rows_in, rows_staged, requests FROM citypipe.feed_runs WHERE feed = 'air_quality' ORDER BY feed_run_id DESC LIMIT 1")[0]
        return (try row.decode(Int.self, "rows_in"), try row.decode(Int.self, "rows_staged"), try row.decode(Int.self, "requests"))
    }

    func testEveryObservationOnceLateUploadsNextRunNothingTwiceOnARerun() async throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 21, scale: 0.01)
        defer { simulator.stop() }
        let first = try ingest(Self.feeds, simulator)
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.air_quality_stations"), 69, "every sensor of the 12 stations")
        try assertObservationsEqualTruth(simulator)
        let firstLoad = try lastLoad()
        // 69 sensors × 7 days in pages of at most 1,000, cut short at 16 KiB (about 130 observations) with a next link: at least two requests per sensor.
        XCTAssertGreaterThanOrEqual(firstLoad.requests, 69 * 2, "the pages cut short by size were followed to the end")
        let cursors = try connection.query(
            "SELECT datastream_id, max(phenomenon_time) AS latest FROM staging.air_quality GROUP BY 1")
        XCTAssertEqual(cursors.count, 69)

        // The same generation again: only the 48-hour lookback is read, and none of it is new.
        let rerun = try ingest(["air_quality"], simulator)
        XCTAssertEqual(rerun.status, 0, rerun.output)
        let again = try lastLoad()
        XCTAssertEqual(again.staged, 0, "re-reading the lookback changes nothing")
        XCTAssertLessThan(again.rowsIn, firstLoad.rowsIn / 2, "each sensor is read from its own cursor minus the lookback")
        try assertObservationsEqualTruth(simulator)

        // A day later: new hours, and the uploads that were late at the first run.
        let advanced = try await simulator.admin(.POST, "/_sim/advance?changed=0&added=0&removed=0")
        XCTAssertEqual(advanced.generation, 1)
        try connection.simpleExecute(
            "CREATE TABLE first_cursor AS SELECT datastream_id, max(phenomenon_time) AS latest FROM staging.air_quality GROUP BY 1")
        let second = try ingest(["air_quality"], simulator)
        XCTAssertEqual(second.status, 0, second.output)
        try assertObservationsEqualTruth(simulator)
        let lateOnes = try count(
            """
            SELECT count(*) FROM staging.air_quality AS s JOIN first_cursor AS c USING (datastream_id)
            WHERE s._run_id = (SELECT max(_run_id) FROM staging.air_quality) AND s.phenomenon_time <= c.latest
            """)
        XCTAssertGreaterThan(lateOnes, 0, "observations older than the first run's cursor, uploaded late, came in with the second")
        XCTAssertGreaterThan(try count("SELECT count(*) FROM truth_air_quality WHERE late"), lateOnes - 1)

        // Through the transform: one value per station, pollutant and hour, in µg/m³ whatever the sensor declared,
        // the stuck sensor's hours invalid, and every station on the map with its AQI.
        let models = BuiltBinary.connectors.deletingLastPathComponent().appendingPathComponent("Pipelines/models").path
        let transform = try simulator.citypipe(
            ["transform", "--select", "integrated.air_station_map", "--models", models, "--connectors", BuiltBinary.connectors.path],
            databaseURL: database.url)
        XCTAssertEqual(transform.status, 0, transform.output)
        let pollutantCode = "CASE t.pollutant WHEN 'PM2.5' THEN 'pm25' ELSE lower(t.pollutant) END"
        XCTAssertEqual(try count("SELECT count(*) FROM core.observation"), try count("SELECT count(*) FROM truth_air_quality"))
        XCTAssertEqual(
            try count(
                "SELECT count(*) FROM core.observation AS o JOIN truth_air_quality AS t ON t.station_code = o.station_code "
                    + "AND \(pollutantCode) = o.pollutant AND t.phenomenon_time = o.hour "
                    + "WHERE o.value_ugm3 = round(t.ugm3, 3) AND o.valid = NOT t.stuck"),
            try count("SELECT count(*) FROM truth_air_quality"),
            "every hour in µg/m³ (CO of BG-03 from mg/m³, BN-05's Greek mu), the stuck sensor's hours invalid")
        XCTAssertGreaterThan(
            try count("SELECT count(*) FROM core.observation WHERE station_code = 'BG-03' AND pollutant = 'co' AND value_ugm3 > 100"), 100,
            "milligrams became micrograms")
        XCTAssertEqual(try count("SELECT count(*) FROM core.observation WHERE 'stuck' = ANY(quality)"), 12)
        XCTAssertEqual(try count("SELECT count(*) FROM integrated.air_station_map WHERE aqi IS NOT NULL AND ward_code IS NOT NULL"), 12)
    }

    func testKillNineMidLoadThenARerunEqualsAnUninterruptedLoad() async throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 22, scale: 0.01)
        defer { simulator.stop() }
        let stations = try ingest(["air_quality_stations"], simulator)
        XCTAssertEqual(stations.status, 0, stations.output)
        try await simulator.admin(.POST, "/_sim/delay?ms=100")
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("air-\(UUID().uuidString).log")
        defer { TestLogs.keep(log); try? FileManager.default.removeItem(at: log) }
        let victim = try simulator.start(
            ["ingest", "air_quality", "--connectors", BuiltBinary.connectors.path], databaseURL: database.url, log: log)
        let reached = try await simulator.waitFor { ($0.requests["air_quality"] ?? 0) >= 40 }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal)
        XCTAssertGreaterThanOrEqual(reached.requests["air_quality"] ?? 0, 40)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_state WHERE feed = 'air_quality'"), 0, "no cursor moved")
        XCTAssertEqual(
            try count("SELECT count(*) FROM pg_tables WHERE schemaname = 'staging' AND tablename = 'air_quality'"), 0,
            "nothing of the killed load is visible")

        try await simulator.admin(.POST, "/_sim/delay?ms=0")
        let rerun = try ingest(["air_quality"], simulator)
        XCTAssertEqual(rerun.status, 0, rerun.output)
        try assertObservationsEqualTruth(simulator)
        let runs = try connection.query(
            "SELECT status, coalesce(error, '') AS error FROM citypipe.feed_runs WHERE feed = 'air_quality' ORDER BY feed_run_id")
        XCTAssertEqual(try runs.map { try $0.decode(String.self, "status") }, ["failed", "succeeded"])
        XCTAssertTrue(try runs[0].decode(String.self, "error").hasPrefix("abandoned"), "the killed load is marked abandoned")
    }

    func testObservationsWithoutTheirStationsSayWhatToRunFirst() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 23, scale: 0.01)
        defer { simulator.stop() }
        let alone = try ingest(["air_quality"], simulator)
        XCTAssertNotEqual(alone.status, 0)
        XCTAssertTrue(alone.output.contains("run `citypipe ingest air_quality_stations` first"), alone.output)
    }
}
