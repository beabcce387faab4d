import Foundation
import Postgres
import TestSupport
import XCTest

final class TransactionAndErrorTests: DatabaseTestCase {
    override var databasePrefix: String { "txn" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try connection.simpleExecute("CREATE TABLE person (cccd text PRIMARY KEY, name text NOT NULL)")
    }

    private func count() throws -> Int {
        try connection.query("SELECT count(*) AS n FROM person")[0].decode(Int.self, "n")
    }

    func testCommitWhenTheBodyReturns() throws {
        let value = try connection.transaction { c in
            try c.query("INSERT INTO person VALUES ($1, $2)", ["027090000001", "Nguyễn Văn An"])
            return 42
        }
        XCTAssertEqual(value, 42)
        XCTAssertEqual(try count(), 1)
        XCTAssertFalse(connection.isInTransaction)
    }

    func testRollbackWhenTheBodyThrows() throws {
        struct Abort: Error {}
        XCTAssertThrowsError(
            try connection.transaction { c in
                try c.query("INSERT INTO person VALUES ($1, $2)", ["027090000001", "Nguyễn Văn An"])
                throw Abort()
            }
        ) { XCTAssertTrue($0 is Abort) }
        XCTAssertEqual(try count(), 0)
        XCTAssertFalse(connection.isInTransaction)
    }

    func testRollbackWhenAStatementFails() throws {
        XCTAssertThrowsError(
            try connection.transaction { c in
                try c.query("INSERT INTO person VALUES ($1, $2)", ["027090000001", "A"])
                try c.query("INSERT INTO person VALUES ($1, NULL)", ["027090000002"])
            })
        XCTAssertEqual(try count(), 0)
    }

    func testNestedTransactionRollsBackOnlyItsSavepoint() throws {
        try connection.transaction { c in
            try c.query("INSERT INTO person VALUES ($1, $2)", ["1", "outer"])
            _ = try? c.transaction { inner in
                try inner.query("INSERT INTO person VALUES ($1, $2)", ["2", "inner"])
                try inner.query("INSERT INTO person VALUES ($1, $2)", ["1", "duplicate"])
            }
        }
        XCTAssertEqual(try connection.query("SELECT cccd FROM person").map { try $0.decode(String.self, "cccd") }, ["1"])
    }

    func testUniqueViolationSurfacesSQLState23505WithoutTheValue() throws {
        try connection.query("INSERT INTO person VALUES ($1, $2)", ["027090000001", "Nguyễn Văn An"])
        XCTAssertThrowsError(
            try connection.query(
                "INSERT INTO person VALUES ($1, $2)", ["027090000001", "Trần Thị Bình"], name: "insert person")
        ) { error in
            guard let error = error as? PostgresError else { return XCTFail("not a PostgresError: \(error)") }
            XCTAssertEqual(error.sqlState, "23505")
            XCTAssertTrue(error.isUniqueViolation)
            XCTAssertEqual(error.kind, .server)
            XCTAssertEqual(error.statement, "insert person")
            XCTAssertTrue(error.message.contains("person_pkey"))
            XCTAssertNotNil(error.detail)
            // The server's detail quotes the key; the printable form must not.
            XCTAssertFalse(error.description.contains("027090000001"), error.description)
            XCTAssertFalse(error.description.contains("Bình"), error.description)
            XCTAssertTrue(error.description.contains("23505"))
        }
    }

    func testSyntaxErrorsCarryStateHintAndStatementName() throws {
        XCTAssertThrowsError(try connection.query("SELEC 1")) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.sqlState, "42601")
            XCTAssertEqual(error?.statement, "SELEC 1")
        }
        XCTAssertThrowsError(try connection.query("SELECT * FROM persons", name: "read persons")) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.sqlState, "42P01")
            XCTAssertEqual(error?.statement, "read persons")
        }
        XCTAssertThrowsError(try connection.query("SELECT $1::int", ["0123x"])) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.sqlState, "22P02")
            XCTAssertFalse(error?.description.contains("0123x") ?? true)
        }
    }

    func testConnectionErrorsNameTheProblem() {
        XCTAssertThrowsError(try PostgresConnection.connect("host=/nonexistent-socket-dir port=1 connect_timeout=2")) {
            error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.kind, .connection)
            XCTAssertTrue(error?.isConnectionFailure ?? false)
            XCTAssertTrue(error?.message.contains("/nonexistent-socket-dir") ?? false, error?.message ?? "")
        }
    }

    func testNoticesAreCollectedNotPrinted() throws {
        try connection.simpleExecute("DO $$ BEGIN RAISE NOTICE 'ward %', '09169'; END $$")
        XCTAssertEqual(connection.drainNotices().last, "NOTICE:  ward 09169")
        XCTAssertTrue(connection.drainNotices().isEmpty)
    }

    func testAdvisoryLocksExcludeOtherSessions() throws {
        let other = try database.connect()
        defer { other.close() }
        XCTAssertTrue(try connection.tryAdvisoryLock(named: "citypipe:run:nightly"))
        XCTAssertFalse(try other.tryAdvisoryLock(named: "citypipe:run:nightly"))
        XCTAssertNil(try other.withTryAdvisoryLock(named: "citypipe:run:nightly") { _ in 1 })
        XCTAssertTrue(try connection.advisoryUnlock(named: "citypipe:run:nightly"))
        XCTAssertEqual(try other.withTryAdvisoryLock(named: "citypipe:run:nightly") { _ in 1 }, 1)
        // Released after the body: the first session can take it again.
        XCTAssertTrue(try connection.tryAdvisoryLock(7))
        XCTAssertFalse(try other.tryAdvisoryLock(7))
        connection.close()
        connection = try database.connect()
        XCTAssertTrue(try other.tryAdvisoryLock(7), "a closed session's locks are released")
    }

    func testTransactionLevelAdvisoryLockEndsWithTheTransaction() throws {
        let other = try database.connect()
        defer { other.close() }
        try connection.transaction { c in
            XCTAssertTrue(try c.tryAdvisoryTransactionLock(named: "feed:population"))
            XCTAssertFalse(try other.tryAdvisoryTransactionLock(named: "feed:population"))
        }
        XCTAssertTrue(try other.tryAdvisoryLock(named: "feed:population"))
    }

    func testRedactionOfQuotedValues() {
        XCTAssertEqual(
            PostgresError(.server, message: "x", sqlState: "23505", detail: "Key (cccd)=(027090000001) already exists.")
                .description,
            "PostgreSQL server error 23505: x (detail: Key (cccd)=(…) already exists.)")
    }
}
