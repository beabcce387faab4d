import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// The health facility register over FHIR R4 (the simulator serving as HAPI FHIR does), against its truth: every
/// facility once with its latest version, deletions from `_history` applied, included and outcome entries not
/// counted, an exact-multiple last page ended by the empty page after it, each facility in its true ward with the
/// planted latitude/longitude swap fixed and flagged.
final class HealthFacilitiesSourceTests: SimulatorIngestTestCase {
    override var databasePrefix: String { "fhir" }

    static let feeds = ["health_facilities", "health_facility_history", "schools"]

    /// The shipped manifests with the FHIR pages at 10 entries: 110 Locations are then an exact multiple, and the
    /// register's hundreds of resources sharing a lastUpdated straddle every page boundary.
    func connectors() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fhir-connectors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for feed in Self.feeds {
            var text = try String(contentsOf: BuiltBinary.connectors.appendingPathComponent("\(feed).yaml"), encoding: .utf8)
            text = text.replacingOccurrences(of: "  page_size: 100\n", with: "  page_size: 10\n")
            try text.write(to: folder.appendingPathComponent("\(feed).yaml"), atomically: true, encoding: .utf8)
        }
        return folder
    }

    func run(_ arguments: [String], _ simulator: SimulatorProcess, connectors: URL) throws {
        let models = BuiltBinary.connectors.deletingLastPathComponent().appendingPathComponent("Pipelines/models").path
        var command = arguments + ["--connectors", connectors.path]
        if arguments.first == "transform" { command += ["--models", models] }
        let result = try simulator.citypipe(command, databaseURL: database.url)
        XCTAssertEqual(result.status, 0, result.output)
    }

    func loadFacilityTruth(_ simulator: SimulatorProcess) throws {
        try connection.simpleExecute("DROP TABLE IF EXISTS truth_health_facilities")
        try loadTruth(
            "health_facilities", simulator,
            columns: "facility_code text, name text, kind text, parent_code text, ward_2025 text, address_ward text, "
                + "longitude float8, latitude float8, version text, deleted boolean, plant text")
    }

    /// core.facility's register part equals the truth's facilities not deleted: version, ward by position, the ward
    /// the address names, the position (within 1e-9°), and exactly the planted faults flagged.
    func assertFacilitiesEqualTruth(file: StaticString = #filePath, line: UInt = #line) throws {
        let alive = try count("SELECT count(*) FROM truth_health_facilities WHERE NOT deleted")
        XCTAssertGreaterThan(alive, 100, file: file, line: line)
        XCTAssertEqual(try count("SELECT count(*) FROM core.facility WHERE source = 'fhir'"), alive, "every facility once", file: file, line: line)
        let agree = try count(
            """
            SELECT count(*) FROM core.facility AS f JOIN truth_health_facilities AS t USING (facility_code)
            WHERE f.source = 'fhir' AND NOT t.deleted AND f.version_id = t.version AND f.address_ward = t.address_ward
              AND coalesce(t.parent_code, '') = coalesce(f.parent_code, '')
              AND CASE t.plant
                    WHEN 'unusable' THEN f.ward_code IS NULL AND f.geom IS NULL AND f.quality = '{coordinates_unusable}'
                    ELSE f.ward_code = t.ward_2025
                         AND abs(ST_X(f.geom) - t.longitude) < 1e-9 AND abs(ST_Y(f.geom) - t.latitude) < 1e-9
                         AND f.quality = CASE t.plant WHEN 'swapped' THEN '{coordinates_swapped}'::text[]
                                                      WHEN 'address_elsewhere' THEN '{ward_mismatch}'::text[]
                                                      ELSE '{}'::text[] END
                  END
            """)
        XCTAssertEqual(agree, alive, "each facility's version, wards, position and flags are the truth's", file: file, line: line)
    }

    func testEveryFacilityOnceDeletionsAppliedSwapFixedAndFlagged() async throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 31, scale: 0.01)
        defer { simulator.stop() }
        let folder = try connectors()
        defer { try? FileManager.default.removeItem(at: folder) }
        try run(["ingest"] + Self.feeds, simulator, connectors: folder)
        try loadFacilityTruth(simulator)
        let facilities = try count("SELECT count(*) FROM truth_health_facilities")
        // Organizations: every facility and the department; Locations: every facility. No include, no outcome entry.
        XCTAssertEqual(try count("SELECT count(*) FROM staging.health_facilities WHERE resource_type = 'Organization'"), facilities + 1)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.health_facilities WHERE resource_type = 'Location'"), facilities)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.health_facilities WHERE search_mode IS DISTINCT FROM 'match'"), 0)
        let first = try connection.query(
            "SELECT rows_in, requests FROM citypipe.feed_runs WHERE feed = 'health_facilities' ORDER BY feed_run_id DESC LIMIT 1")[0]
        XCTAssertEqual(try first.decode(Int.self, "rows_in"), 2 * facilities + 1, "included and outcome entries are not counted")
        // 12 pages of Organizations (111) and 11 full pages of Locations plus the empty one after them.
        XCTAssertEqual(try first.decode(Int.self, "requests"), 12 + 12)
        try run(["transform", "--select", "core.facility"], simulator, connectors: folder)
        try assertFacilitiesEqualTruth()

        // The schools join the facilities with their position from the education list, the swapped one fixed.
        try TruthFiles.load(
            simulator.truth.appendingPathComponent("schools_positions.csv"), into: "truth_school_positions",
            columns: "school_code text, ward_2025 text, longitude float8, latitude float8, swapped boolean", connection)
        let schools = try count("SELECT count(*) FROM truth_school_positions")
        XCTAssertGreaterThan(schools, 300)
        XCTAssertEqual(
            try count(
                """
                SELECT count(*) FROM core.facility AS f JOIN truth_school_positions AS t ON t.school_code = f.facility_code
                WHERE f.source = 'schools' AND abs(ST_X(f.geom) - t.longitude) < 1e-9 AND abs(ST_Y(f.geom) - t.latitude) < 1e-9
                  AND ('coordinates_swapped' = ANY(f.quality)) = t.swapped AND NOT 'position_elsewhere' = ANY(f.quality)
                """), schools, "every school where the truth puts it, the swapped one swapped back and flagged")
        XCTAssertEqual(try count("SELECT count(*) FROM truth_school_positions WHERE swapped"), 1)

        // A day later: edited facilities (new versions), a clinic opened, a health station deleted.
        _ = try await simulator.admin(.POST, "/_sim/advance?changed=0&added=0&removed=0")
        try run(["ingest"] + Self.feeds, simulator, connectors: folder)
        try loadFacilityTruth(simulator)
        XCTAssertEqual(try count("SELECT count(*) FROM truth_health_facilities WHERE deleted"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM truth_health_facilities WHERE version <> '1'"), try count(
            "SELECT count(DISTINCT id) FROM staging.health_facilities WHERE resource_type = 'Organization' AND version_id <> '1'"))
        XCTAssertEqual(try count("SELECT count(*) FROM staging.health_facility_history WHERE method = 'DELETE'"), 2,
                       "the station's Organization and Location deletions, read from _history")
        try run(["transform", "--select", "core.facility"], simulator, connectors: folder)
        try assertFacilitiesEqualTruth()

        // The same generation again: nothing new is staged.
        try run(["ingest", "health_facilities", "health_facility_history"], simulator, connectors: folder)
        let again = try connection.query(
            "SELECT sum(rows_staged)::int AS s FROM citypipe.feed_runs WHERE feed IN ('health_facilities', 'health_facility_history') "
                + "AND run_id = (SELECT max(run_id) FROM citypipe.feed_runs)")[0]
        XCTAssertEqual(try again.decode(Int.self, "s"), 0, "re-reading the overlap changes nothing")
    }
}
