import Postgres
import XCTest

/// A test case with a fresh database of the test cluster and a connection to it, dropped after each test.
open class DatabaseTestCase: XCTestCase {
    /// The database made for the running test.
    public var database: TestDatabase!
    /// A connection to `database`.
    public var connection: PostgresConnection!

    /// The prefix of the database's name (helps when reading the server log).
    open var databasePrefix: String { "t" }

    open override func setUpWithError() throws {
        try super.setUpWithError()
        database = try TestCluster.makeDatabase(databasePrefix)
        connection = try database.connect()
    }

    open override func tearDown() {
        connection?.close()
        database?.drop()
        super.tearDown()
    }
}
