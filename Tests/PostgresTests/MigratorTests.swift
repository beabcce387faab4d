import Foundation
import Postgres
import TestSupport
import XCTest

final class MigratorTests: DatabaseTestCase {
    override var databasePrefix: String { "migrate" }


    let first = Migration(version: 1, name: "wards", sql: "CREATE TABLE wards (code char(5) PRIMARY KEY);")
    let second = Migration(
        version: 2, name: "ward_names", sql: "ALTER TABLE wards ADD COLUMN name text; INSERT INTO wards VALUES ('09169', 'Vũ Ninh');")

    func testAppliesInOrderOnceAndRecordsChecksums() throws {
        let migrator = Migrator()
        let report = try migrator.migrate(connection, [second, first])
        XCTAssertEqual(report.applied.map(\.version), [1, 2])
        let again = try migrator.migrate(connection, [first, second])
        XCTAssertEqual(again.applied, [])
        XCTAssertEqual(again.alreadyApplied, 2)
        let rows = try connection.query("SELECT version, name, length(checksum) AS l FROM citypipe.schema_migrations ORDER BY version")
        XCTAssertEqual(try rows.map { try $0.decode(String.self, "name") }, ["wards", "ward_names"])
        XCTAssertEqual(try rows[0].decode(Int.self, "l"), 64)
        XCTAssertEqual(try connection.query("SELECT name FROM wards")[0].decode(String.self, "name"), "Vũ Ninh")
    }

    func testAChangedMigrationIsRefused() throws {
        _ = try Migrator().migrate(connection, [first])
        let edited = Migration(version: 1, name: "wards", sql: "CREATE TABLE wards (code char(5) PRIMARY KEY, x int);")
        XCTAssertThrowsError(try Migrator().migrate(connection, [edited, second])) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.kind, .migration)
            XCTAssertTrue(error?.message.contains("changed after it was applied") ?? false)
        }
        // Nothing after the refused one was applied.
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.schema_migrations")[0].decode(Int.self, "n"), 1)
    }

    func testAFailingMigrationLeavesNoTrace() throws {
        let broken = Migration(version: 2, name: "broken", sql: "CREATE TABLE half (x int); SELECT * FROM no_such_table;")
        XCTAssertThrowsError(try Migrator().migrate(connection, [first, broken])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42P01")
            XCTAssertEqual((error as? PostgresError)?.statement, "2_broken.sql")
        }
        XCTAssertEqual(try connection.query("SELECT to_regclass('half') IS NULL AS gone")[0].decode(Bool.self, "gone"), true)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.schema_migrations")[0].decode(Int.self, "n"), 1)
    }

    func testAnUnknownAppliedMigrationIsRefused() throws {
        _ = try Migrator().migrate(connection, [first, second])
        XCTAssertThrowsError(try Migrator().migrate(connection, [first])) { error in
            XCTAssertTrue((error as? PostgresError)?.message.contains("does not ship") ?? false)
        }
    }

    func testLoadsNumberedFilesFromAFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 2;".write(to: folder.appendingPathComponent("0002_b.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: folder.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try Migration.load(from: folder).map(\.name), ["a", "b"])
        try "x".write(to: folder.appendingPathComponent("bad.sql"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Migration.load(from: folder))
    }
}
