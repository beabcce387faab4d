import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

final class WarehouseTests: DatabaseTestCase {
    override var databasePrefix: String { "warehouse" }


    private func int(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    func testMigrateCreatesSchemasControlTablesAndReferenceData() throws {
        let report = try Warehouse.migrate(connection)
        XCTAssertEqual(report.migrations.applied.map(\.version), Array(1...(try Warehouse.migrations().count)))
        XCTAssertGreaterThanOrEqual(report.migrations.applied.count, 4)
        XCTAssertTrue(report.reference.loaded)
        XCTAssertEqual(
            try int("SELECT count(*) FROM pg_namespace WHERE nspname IN ('citypipe','staging','ref','core','integrated')"), 5)
        for table in ["runs", "feed_runs", "feed_state", "rejects", "schema_migrations", "backfills", "backfill_partitions"] {
            XCTAssertEqual(try int("SELECT count(*) FROM pg_tables WHERE schemaname = 'citypipe' AND tablename = '\(table)'"), 1, table)
        }
        XCTAssertEqual(try int("SELECT count(*) FROM ref.admin_unit_2024"), 10_035)
        XCTAssertEqual(try int("SELECT count(*) FROM ref.admin_unit_2025"), 3_321)
        XCTAssertEqual(try int("SELECT count(*) FROM ref.admin_crosswalk_2025"), 10_667)
        XCTAssertEqual(try int("SELECT count(*) FROM ref.ward_boundary_2025"), 99)
        XCTAssertEqual(report.reference.rows["ref.ward_boundary_2025"], 99)
    }

    func testReferenceDataKeepsBothErasOfReusedCodes() throws {
        _ = try Warehouse.migrate(connection)
        let row = try connection.query(
            """
            SELECT o.ward_name AS old_name, n.ward_name AS new_name,
                   (SELECT string_agg(old_code, ',' ORDER BY old_code) FROM ref.admin_crosswalk_2025
                     WHERE level = 'ward' AND new_code = '09169') AS merged
            FROM ref.admin_unit_2024 o JOIN ref.admin_unit_2025 n USING (ward_code) WHERE ward_code = '09169'
            """)[0]
        XCTAssertEqual(try row.decode(String.self, "old_name"), "Phường Thị Cầu")
        XCTAssertEqual(try row.decode(String.self, "new_name"), "Phường Vũ Ninh")
        XCTAssertEqual(try row.decode(String.self, "merged"), "09163,09166,09169,09256")
    }

    func testWardBoundariesAreValidWGS84InBacNinh() throws {
        _ = try Warehouse.migrate(connection)
        let row = try connection.query(
            """
            SELECT count(*) FILTER (WHERE ST_SRID(geom) = 4326 AND ST_IsValid(geom)) AS valid,
                   count(*) FILTER (WHERE province_code = '24') AS bac_ninh,
                   round(sum(ST_Area(geom::geography)) / 1e6) AS km2,
                   (SELECT ward_code FROM ref.ward_boundary_2025
                     WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(106.0763, 21.1861), 4326))) AS centre
            FROM ref.ward_boundary_2025
            """)[0]
        XCTAssertEqual(try row.decode(Int.self, "valid"), 99)
        XCTAssertEqual(try row.decode(Int.self, "bac_ninh"), 99)
        // The new Bắc Ninh covers about 4,700 km² (old Bắc Ninh 823 + old Bắc Giang 3,896).
        XCTAssertEqual(try row.decode(Double.self, "km2"), 4_718, accuracy: 60)
        XCTAssertNotNil(try row.decode(String?.self, "centre"), "the centre of Bắc Ninh city lies in some ward")
    }

    func testMigratingTwiceChangesNothing() throws {
        _ = try Warehouse.migrate(connection)
        let before = try connection.query(
            "SELECT (SELECT md5(string_agg(xmin::text || ward_code, ',' ORDER BY ward_code)) FROM ref.admin_unit_2024) AS a, (SELECT max(loaded_at) FROM ref.reference_loads)::text AS t")[0]
        let again = try Warehouse.migrate(connection)
        XCTAssertEqual(again.migrations.applied, [])
        XCTAssertFalse(again.reference.loaded)
        let after = try connection.query(
            "SELECT (SELECT md5(string_agg(xmin::text || ward_code, ',' ORDER BY ward_code)) FROM ref.admin_unit_2024) AS a, (SELECT max(loaded_at) FROM ref.reference_loads)::text AS t")[0]
        XCTAssertEqual(try before.decode(String.self, "a"), try after.decode(String.self, "a"), "no row was rewritten")
        XCTAssertEqual(try before.decode(String.self, "t"), try after.decode(String.self, "t"))
    }

    func testAChangedReferenceFileIsReloaded() throws {
        _ = try Warehouse.migrate(connection)
        try connection.query("UPDATE ref.reference_loads SET sha256 = 'stale' WHERE dataset = 'ref.admin_unit_2025'")
        try connection.query("DELETE FROM ref.ward_boundary_2025 WHERE ward_code = '09169'")
        let report = try ReferenceLoader().load(connection)
        XCTAssertTrue(report.loaded)
        XCTAssertEqual(try int("SELECT count(*) FROM ref.ward_boundary_2025"), 99)
    }

    func testDatabaseSelectionOrder() {
        let home = ["CITYPIPE_HOME": "/srv/citypipe"]
        XCTAssertEqual(
            DatabaseTarget.resolve(flag: "postgresql://a/b", environment: ["DATABASE_URL": "postgresql://c/d"]),
            .flag("postgresql://a/b"))
        XCTAssertEqual(
            DatabaseTarget.resolve(flag: nil, environment: ["DATABASE_URL": "postgresql://c/d", "PGHOST": "x"]),
            .environmentURL("postgresql://c/d"))
        XCTAssertEqual(DatabaseTarget.resolve(flag: nil, environment: ["PGSERVICE": "citypipe"]), .libpqEnvironment)
        XCTAssertEqual(DatabaseTarget.resolve(flag: "", environment: ["PGHOST": "db.internal"]), .libpqEnvironment)
        XCTAssertEqual(
            DatabaseTarget.resolve(flag: nil, environment: home),
            .embedded(home: URL(fileURLWithPath: "/srv/citypipe", isDirectory: true)))
        XCTAssertEqual(try DatabaseTarget.libpqEnvironment.conninfo(start: false), "")
    }

    func testShippedMigrationsAreNumberedInOrder() throws {
        let migrations = try Warehouse.migrations()
        XCTAssertEqual(migrations.map(\.version), Array(1...migrations.count))
    }
}
