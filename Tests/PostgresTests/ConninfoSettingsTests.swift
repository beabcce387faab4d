import Postgres
import TestSupport
import XCTest

/// `ConninfoSettings`: server parameters added to a connection string reach every session opened with it, after the
/// options the string already had, in its URL and `key=value` forms.
final class ConninfoSettingsTests: DatabaseTestCase {
    override var databasePrefix: String { "conninfo" }

    /// The session's values of the parameters the tests set.
    func settings(_ conninfo: String) throws -> [String] {
        let session = try PostgresConnection.connect(conninfo)
        defer { session.close() }
        let row = try session.query(
            """
            SELECT current_setting('max_parallel_workers_per_gather') AS workers, current_setting('work_mem') AS work_mem,
                   current_setting('application_name') AS application, current_database() AS db
            """)[0]
        return [
            try row.decode(String.self, "workers"), try row.decode(String.self, "work_mem"),
            try row.decode(String.self, "application"), try row.decode(String.self, "db"),
        ]
    }

    func testSettingsReachTheSessionBesideTheOptionsAlreadyGiven() throws {
        let name = try connection.query("SELECT current_database() AS db")[0].decode(String.self, "db")
        let url = database.url
        XCTAssertTrue(url.hasPrefix("postgresql://"), url)
        let added = try ConninfoSettings.adding([("max_parallel_workers_per_gather", "0"), ("work_mem", "48MB")], to: url)
        XCTAssertEqual(try settings(added), ["0", "48MB", "", name])

        // A string that already sets options and another parameter keeps them; a later setting of the same name wins.
        let given = url + (url.contains("?") ? "&" : "?") + "application_name=nightly&options=-c%20work_mem%3D8MB"
        XCTAssertEqual(try settings(given), ["2", "8MB", "nightly", name])
        XCTAssertEqual(try settings(try ConninfoSettings.adding([("max_parallel_workers_per_gather", "0")], to: given)), ["0", "8MB", "nightly", name])
        XCTAssertEqual(try settings(try ConninfoSettings.adding([("work_mem", "16MB")], to: given)), ["2", "16MB", "nightly", name])

        // The key=value form, and the string written back read again.
        let words = try ConninfoSettings.adding([("work_mem", "24MB")], to: added)
        XCTAssertFalse(words.hasPrefix("postgresql://"))
        XCTAssertEqual(try settings(words), ["0", "24MB", "", name])

        // Nothing to add leaves the string as it is; a string libpq cannot read is refused, saying so.
        XCTAssertEqual(try ConninfoSettings.adding([], to: url), url)
        XCTAssertThrowsError(try ConninfoSettings.adding([("work_mem", "8MB")], to: "host='unterminated")) { error in
            XCTAssertTrue(String(describing: error).contains("cannot be read"), "\(error)")
        }
    }
}
