import Foundation
import Postgres
import TestSupport
import XCTest

final class EmbeddedClusterTests: XCTestCase {
    func testUpTwiceDownUpKeepsTheData() throws {
        let home = TestCluster.home.deletingLastPathComponent()
            .appendingPathComponent("citypipe-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let cluster = EmbeddedCluster(home: home)
        defer {
            _ = try? cluster.down()
            try? FileManager.default.removeItem(at: home)
        }
        XCTAssertEqual(try cluster.state(), .notCreated)
        XCTAssertEqual(try cluster.up(), .created)
        guard case .running(let port) = try cluster.state() else { return XCTFail("not running after up") }
        XCTAssertGreaterThan(port, 0)
        XCTAssertEqual(try cluster.up(), .alreadyRunning, "a second up is a no-op")

        var connection = try PostgresConnection.connect(try cluster.socketURL())
        try connection.simpleExecute("CREATE TABLE kept (ward text); INSERT INTO kept VALUES ('09169')")
        let settings = try connection.query(
            """
            SELECT current_setting('server_encoding') AS enc,
                   (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS postgis,
                   (SELECT count(*) FROM pg_collation WHERE collname = 'vi-VN-x-icu') AS icu,
                   (SELECT datcollate FROM pg_database WHERE datname = current_database()) AS collate,
                   current_setting('work_mem') AS work_mem, current_setting('maintenance_work_mem') AS maintenance
            """)[0]
        XCTAssertEqual(try settings.decode(String.self, "enc"), "UTF8")
        XCTAssertEqual(try settings.decode(String.self, "collate"), "C", "text sorts bytewise")
        XCTAssertEqual(try settings.decode(String.self, "work_mem"), "64MB")
        XCTAssertEqual(try settings.decode(String.self, "maintenance"), "1GB")
        XCTAssertNotNil(try settings.decode(String?.self, "postgis"))
        XCTAssertEqual(try settings.decode(Int.self, "icu"), 1, "ICU's Vietnamese collation is available")
        connection.close()

        // TCP on loopback works with the generated password.
        let tcp = try PostgresConnection.connect(try cluster.tcpURL())
        XCTAssertEqual(try tcp.query("SELECT inet_server_addr()::text AS a")[0].decode(String.self, "a"), "127.0.0.1/32")
        tcp.close()

        XCTAssertTrue(try cluster.down())
        guard case .stopped = try cluster.state() else { return XCTFail("not stopped after down") }
        XCTAssertFalse(try cluster.down(), "down when stopped says so")
        XCTAssertEqual(try cluster.up(), .started)
        connection = try PostgresConnection.connect(try cluster.socketURL())
        defer { connection.close() }
        XCTAssertEqual(try connection.query("SELECT ward FROM kept")[0].decode(String.self, "ward"), "09169")
    }

    func testMissingServerProgramsNameTheDebianPackages() {
        XCTAssertThrowsError(
            try PostgresBinaries.locate(
                environment: ["PATH": "/nonexistent"], serverRoot: URL(fileURLWithPath: "/nonexistent"))
        ) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.kind, .cluster)
            XCTAssertTrue(error?.hint?.contains("postgresql-15 postgresql-15-postgis-3") ?? false, error?.hint ?? "")
        }
        XCTAssertThrowsError(try PostgresBinaries.locate(environment: ["CITYPIPE_PG_BINDIR": "/nonexistent"])) {
            XCTAssertTrue(($0 as? PostgresError)?.message.contains("CITYPIPE_PG_BINDIR") ?? false)
        }
    }
}
