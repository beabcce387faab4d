import Foundation
import Postgres
import TestSupport
@testable import Transform
import Warehouse
import XCTest

/// The change-marker locks (`ModelChanges`): one per relation, so that a build waits for the writers of what it
/// reads and for no other, and still sees every change marked before its time.
final class ChangeMarkerLockTests: DatabaseTestCase {
    override var databasePrefix: String { "changelock" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrateSchema(connection)
        try connection.simpleExecute(
            """
            CREATE TABLE core.clean_a (id int PRIMARY KEY, _normalized_at timestamptz);
            CREATE TABLE core.clean_b (id int PRIMARY KEY, _normalized_at timestamptz);
            """)
    }

    /// A pass writing `core.clean_a` holds its lock until it commits: a build reading only `core.clean_b` and a model
    /// goes ahead meanwhile; a build reading `core.clean_a` cannot take its time until the pass has committed, and
    /// then sees the pass's rows, marked before its time.
    func testABuildWaitsOnlyForTheWritersOfWhatItReads() throws {
        let writer = try PostgresConnection.connect(database.url)
        defer { writer.close() }
        let reader = try PostgresConnection.connect(database.url)
        defer { reader.close() }

        try writer.simpleExecute("BEGIN")
        let mark = try ModelChanges.writerMark(writer, writing: "core.clean_a")
        try writer.query("INSERT INTO core.clean_a VALUES (1, $1::timestamptz)", [mark])

        // Not blocked: the lock it would wait on is not held (a regression fails on the timeout, not a hang).
        try reader.simpleExecute("SET lock_timeout = '30s'")
        let other = try ModelChanges.readerTransaction(reader, reading: ["core.clean_b", "core.person"]) { c, time in
            try c.query("SELECT count(*) AS n FROM core.clean_a").first?.decode(Int.self, "n")
        }
        XCTAssertEqual(other, 0, "the pass has not committed: its row is not seen")

        // Blocked: the pass still holds core.clean_a's lock.
        try reader.simpleExecute("SET lock_timeout = '200ms'")
        XCTAssertThrowsError(try ModelChanges.readerTransaction(reader, reading: ["core.clean_b", "core.clean_a"]) { _, _ in 0 }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "55P03", "lock not available: \(error)")
        }
        XCTAssertEqual(
            try writer.query(
                """
                SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = $1
                """, [Int(reader.backendPID)]).first?.decode(Int.self, "n"), 0,
            "the reader let go of core.clean_b's lock when it could not have core.clean_a's")

        try writer.simpleExecute("COMMIT")
        try reader.simpleExecute("SET lock_timeout = '30s'")
        let seen = try ModelChanges.readerTransaction(reader, reading: ["core.clean_a"]) { c, time in
            try c.query(
                "SELECT count(*) FILTER (WHERE _normalized_at < $1::timestamptz) AS n FROM core.clean_a", [time]
            ).first?.decode(Int.self, "n")
        }
        XCTAssertEqual(seen, 1, "the committed row is seen, marked before the build's time")
    }
}
