import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OpsAPI
import Postgres
import TestSupport
import Warehouse
import XCTest

/// Issue 16: the API on a read replica. A primary and a streaming standby of it (`pg_basebackup -R`), both
/// embedded clusters this test starts; `citypipe serve`'s service given both hosts with
/// `target_session_attrs=prefer-standby` reads from the standby, writes to the primary, and shows the standby's
/// lag in `/v1/feeds`.
final class StandbyTests: XCTestCase {
    private var folder: URL!
    private var primary: EmbeddedCluster!
    private var standby: EmbeddedCluster!

    override func setUpWithError() throws {
        folder = URL(fileURLWithPath: "/tmp/cp-sb-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        primary = EmbeddedCluster(home: folder.appendingPathComponent("primary"))
        standby = EmbeddedCluster(home: folder.appendingPathComponent("standby"))
    }

    override func tearDown() {
        _ = try? standby?.down()
        _ = try? primary?.down()
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    /// Blocks until `standby` has replayed the primary's WAL up to `lsn` (the server checks, every 10 ms).
    private func waitForReplay(_ connection: PostgresConnection, upTo lsn: String) throws {
        try connection.simpleExecute("""
            SET statement_timeout = '300s';
            DO $$ BEGIN
                WHILE coalesce(pg_last_wal_replay_lsn() < '\(lsn)'::pg_lsn, true) LOOP PERFORM pg_sleep(0.01); END LOOP;
            END $$;
            RESET statement_timeout;
            """)
    }

    func testTheAPIReadsFromTheStandbyWritesToThePrimaryAndShowsTheLag() async throws {
        try primary.up()
        let writer = try PostgresConnection.connect(try primary.socketURL())
        defer { writer.close() }
        _ = try Warehouse.migrate(writer)
        let token = try TokenStore.create(writer, name: "standby-test", role: .viewer, expiresIn: nil)
        XCTAssertEqual(try standby.upAsStandby(of: primary), .created)
        XCTAssertTrue(standby.isStandby)

        // The pipeline writes to the primary; the standby replays it.
        try writer.query(
            "INSERT INTO citypipe.feed_state (feed, last_run_id, last_success_at) VALUES ('population', NULL, now() - interval '2 hours')")
        let lsn = try writer.query("SELECT pg_current_wal_lsn()::text AS lsn")[0].decode(String.self, "lsn")
        let reader = try PostgresConnection.connect(try standby.socketURL())
        defer { reader.close() }
        try waitForReplay(reader, upTo: lsn)
        XCTAssertEqual(try reader.query("SELECT pg_is_in_recovery() AS r")[0].decode(Bool.self, "r"), true)
        XCTAssertThrowsError(try reader.query("CREATE TABLE nope (x int)"), "a standby refuses writes")

        // Both hosts, the standby preferred for reads.
        func socket(_ cluster: EmbeddedCluster) throws -> (String, Int) {
            guard case .running(let port) = try cluster.state() else { throw PostgresError(.cluster, message: "not running") }
            return (cluster.socketDirectory.path, port)
        }
        let (primarySocket, primaryPort) = try socket(primary)
        let (standbySocket, standbyPort) = try socket(standby)
        let url = "postgresql://citypipe@/citypipe?host=\(primarySocket),\(standbySocket)&port=\(primaryPort),\(standbyPort)&target_session_attrs=prefer-standby"
        let configuration = OpsAPIConfiguration(
            conninfo: url, models: APIFixture.root.appendingPathComponent("Pipelines/models"),
            connectors: APIFixture.root.appendingPathComponent("Connectors").path,
            pipelines: APIFixture.root.appendingPathComponent("Pipelines").path, secret: APIFixture.secret, poolSize: 2)
        let readSide = try PostgresConnection.connect(configuration.readerConninfo)
        XCTAssertEqual(try readSide.query("SELECT pg_is_in_recovery() AS r")[0].decode(Bool.self, "r"), true, "reads: the standby")
        readSide.close()
        let writeSide = try PostgresConnection.connect(configuration.writerConninfo)
        XCTAssertEqual(try writeSide.query("SELECT pg_is_in_recovery() AS r")[0].decode(Bool.self, "r"), false, "writes: the primary")
        writeSide.close()

        var logger = Logger(label: "citypipe.api.test")
        logger.logLevel = .warning
        let service = try OpsService(configuration: configuration, logger: logger)
        defer { service.shutdown() }
        let app = Application(router: OpsServer.router(service: service))
        try await app.test(.router) { client in
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(token)"
            let response = try await client.execute(uri: "/v1/feeds", method: .get, headers: headers)
            XCTAssertEqual(response.status, .ok, String(buffer: response.body))
            let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
            let served = try XCTUnwrap(body["served_from"] as? [String: Any])
            XCTAssertEqual(served["role"] as? String, "standby")
            let lag = try XCTUnwrap(served["replica_lag_seconds"] as? Double, "\(served)")
            XCTAssertGreaterThanOrEqual(lag, 0)
            XCTAssertNotNil(served["replay_backlog_bytes"] as? Int)
            let feeds = body["feeds"] as? [[String: Any]] ?? []
            XCTAssertNotNil(feeds.first { $0["feed"] as? String == "population" }?["last_success_at"], "the primary's write, read on the standby")
        }
    }
}
