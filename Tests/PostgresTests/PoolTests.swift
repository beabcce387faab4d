import Dispatch
import Foundation
import Postgres
import TestSupport
import XCTest

final class PoolTests: XCTestCase {
    var database: TestDatabase!

    override func setUpWithError() throws {
        database = try TestCluster.makeDatabase("pool")
        let connection = try database.connect()
        defer { connection.close() }
        try connection.simpleExecute("CREATE TABLE hits (worker int, backend int)")
    }

    override func tearDown() {
        database?.drop()
    }

    /// The number of sessions connected to the test database, seen from outside the pool.
    private func sessions() throws -> Int {
        let observer = try database.connect()
        defer { observer.close() }
        return try observer.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )[0].decode(Int.self, "n")
    }

    func testThirtyTwoThreadsShareAPoolOfFour() throws {
        let pool = ConnectionPool(conninfo: database.url, maxConnections: 4)
        defer { pool.shutdown() }
        let failures = LockedCounter()
        let peak = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 32) { worker in
            for _ in 0..<10 {
                do {
                    try pool.withConnection { c in
                        peak.max(pool.statistics.open)
                        try c.query("INSERT INTO hits SELECT $1, pg_backend_pid() FROM pg_sleep(0.002)", [worker])
                    }
                } catch {
                    failures.add(1)
                }
            }
        }
        XCTAssertEqual(failures.value, 0)
        XCTAssertLessThanOrEqual(peak.value, 4)
        let check = try database.connect()
        defer { check.close() }
        let row = try check.query("SELECT count(*) AS n, count(DISTINCT backend) AS b, count(DISTINCT worker) AS w FROM hits")[0]
        XCTAssertEqual(try row.decode(Int.self, "n"), 320)
        XCTAssertLessThanOrEqual(try row.decode(Int.self, "b"), 4)
        XCTAssertEqual(try row.decode(Int.self, "w"), 32)
        XCTAssertLessThanOrEqual(try sessions(), 4)
    }

    func testThirtyTwoAsyncTasksShareAPoolOfFour() async throws {
        let pool = ConnectionPool(conninfo: database.url, maxConnections: 4)
        defer { pool.shutdown() }
        let backends = try await withThrowingTaskGroup(of: [Int32].self) { group in
            for worker in 0..<32 {
                group.addTask {
                    var seen: [Int32] = []
                    for _ in 0..<5 {
                        seen.append(
                            try await pool.withConnection { c in
                                try c.query("INSERT INTO hits SELECT $1, pg_backend_pid() FROM pg_sleep(0.002)", [worker])
                                return c.backendPID
                            })
                    }
                    return seen
                }
            }
            var all: [Int32] = []
            for try await seen in group { all += seen }
            return all
        }
        XCTAssertEqual(backends.count, 160)
        XCTAssertLessThanOrEqual(Set(backends).count, 4)
        XCTAssertLessThanOrEqual(pool.statistics.open, 4)
    }

    func testABrokenConnectionIsReplaced() throws {
        let pool = ConnectionPool(conninfo: database.url, maxConnections: 1)
        defer { pool.shutdown() }
        let first = try pool.withConnection { $0.backendPID }
        let killer = try database.connect()
        defer { killer.close() }
        // With a timeout, pg_terminate_backend returns once the backend has exited (PostgreSQL 14+).
        XCTAssertEqual(
            try killer.query("SELECT pg_terminate_backend($1::int, 60000) AS gone", [Int(first)])[0].decode(Bool.self, "gone"), true)
        // The idle connection died: the pool notices and opens a new one.
        let second = try pool.withConnection { c in
            try c.query("SELECT pg_backend_pid() AS p")[0].decode(Int32.self, "p")
        }
        XCTAssertNotEqual(first, second)
        // A connection that breaks while in use is dropped when returned, and replaced on the next request.
        XCTAssertThrowsError(
            try pool.withConnection { c in
                try c.query("SELECT pg_terminate_backend(pg_backend_pid())")
            })
        XCTAssertEqual(try pool.withConnection { c in try c.query("SELECT 1 AS one")[0].decode(Int.self, "one") }, 1)
        XCTAssertEqual(pool.statistics.open, 1)
    }

    func testAConnectionReturnedInsideATransactionIsRolledBack() throws {
        let pool = ConnectionPool(conninfo: database.url, maxConnections: 1)
        defer { pool.shutdown() }
        try pool.withConnection { c in
            try c.simpleExecute("BEGIN")
            try c.query("INSERT INTO hits VALUES (1, 1)")
        }
        XCTAssertEqual(try pool.withConnection { c in try c.query("SELECT count(*) AS n FROM hits")[0].decode(Int.self, "n") }, 0)
    }

    func testWaitersTimeOutWithAClearError() throws {
        let pool = ConnectionPool(conninfo: database.url, maxConnections: 1, acquireTimeout: 0.3)
        defer { pool.shutdown() }
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? pool.withConnection { _ in
                holding.signal()
                release.wait()
            }
        }
        holding.wait()
        XCTAssertThrowsError(try pool.withConnection { _ in }) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .pool)
        }
        release.signal()
        XCTAssertNoThrow(try pool.withConnection { _ in })
    }
}

/// A counter shared between threads.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
    func add(_ n: Int) {
        lock.lock()
        count += n
        lock.unlock()
    }
    func max(_ n: Int) {
        lock.lock()
        count = Swift.max(count, n)
        lock.unlock()
    }
}
