import Foundation
import Postgres

/// The embedded PostgreSQL cluster that the tests run against, and fresh databases in it.
///
/// One cluster serves the whole test run: `$CITYPIPE_TEST_HOME`, else `/tmp/citypipe-test-UID` (a folder the
/// `postgres` user can reach when tests run as root). It is started on first use and left running for the next
/// test process; `make test` stops it at the end. Each test case gets its own database, dropped afterwards.
public enum TestCluster {
    /// The folder of the test cluster.
    public static let home: URL = {
        if let home = ProcessInfo.processInfo.environment["CITYPIPE_TEST_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true)
        }
        return URL(fileURLWithPath: "/tmp/citypipe-test-\(getuid())", isDirectory: true)
    }()

    /// The cluster, started once per process.
    public static func cluster() throws -> EmbeddedCluster {
        try started.get()
    }

    private static let started: Result<EmbeddedCluster, PostgresError> = {
        let cluster = EmbeddedCluster(home: home)
        do {
            try cluster.up()
            return .success(cluster)
        } catch let error as PostgresError {
            return .failure(error)
        } catch {
            return .failure(PostgresError(.cluster, message: String(describing: error)))
        }
    }()

    /// Creates a new, empty database (with PostGIS available) and returns it.
    public static func makeDatabase(_ prefix: String = "t") throws -> TestDatabase {
        let cluster = try cluster()
        let name = "\(prefix.lowercased())_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection.connect(try cluster.socketURL(database: "postgres"))
        defer { admin.close() }
        try admin.simpleExecute("CREATE DATABASE \(name) TEMPLATE template0", name: "create test database")
        return TestDatabase(name: name, url: try cluster.socketURL(database: name), cluster: cluster)
    }
}

/// A database made for one test case.
public struct TestDatabase: Sendable {
    public let name: String
    /// Its libpq URL.
    public let url: String
    let cluster: EmbeddedCluster

    /// A new connection to it.
    public func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(url)
    }

    /// Drops it, ending its other sessions.
    public func drop() {
        guard let admin = try? PostgresConnection.connect(try cluster.socketURL(database: "postgres")) else { return }
        defer { admin.close() }
        try? admin.simpleExecute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", name: "drop test database")
    }
}
