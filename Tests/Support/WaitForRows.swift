import Foundation
import Postgres
import XCTest

extension DatabaseTestCase {
    /// Blocks until `condition` holds, checking it again each time a row of `table` is inserted or updated (a
    /// trigger sends a NOTIFY the wait blocks on): what a test waits for is the database's state, never a guessed
    /// delay. Fails the test if `timeout` passes first (a hang, not a performance limit).
    public func waitUntil(
        _ what: String, changesOf table: String, timeout: Duration = .seconds(300), _ condition: () throws -> Bool
    ) throws {
        let channel = "cp_test_" + table.replacingOccurrences(of: ".", with: "_")
        let listener = try database.connect()
        defer { listener.close() }
        try listener.simpleExecute("""
            CREATE OR REPLACE FUNCTION public.cp_test_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify(TG_ARGV[0], ''); RETURN NULL; END $$;
            DROP TRIGGER IF EXISTS cp_test_notify ON \(table);
            CREATE TRIGGER cp_test_notify AFTER INSERT OR UPDATE ON \(table)
                FOR EACH ROW EXECUTE FUNCTION public.cp_test_notify('\(channel)');
            """)
        try listener.listen(channel)
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            let left = deadline - ContinuousClock.now
            guard left > .zero, try listener.waitForNotification(timeout: left) != nil else {
                XCTFail("waited \(timeout) for \(what)")
                throw CancellationError()
            }
        }
    }
}
