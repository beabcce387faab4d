import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `ReadAhead` (`citypipe.read_ahead`): which tables are asked of the operating system, how many pages, and what a
/// server without pg_prewarm answers.
final class ReadAheadTests: DatabaseTestCase {
    override var databasePrefix: String { "readahead" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrate(connection)
    }

    private func int(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    /// The pages of `table` and of its indexes, as the server counts them.
    private func pages(_ table: String) throws -> Int {
        try int(
            """
            SELECT ((pg_relation_size('\(table)') + (SELECT coalesce(sum(pg_relation_size(i.indexrelid)), 0)
                     FROM pg_index AS i WHERE i.indrelid = '\(table)'::regclass)) / 8192)::bigint
            """)
    }

    func testATableAndItsIndexesAreReadAheadWhenEnoughOfItsRowsAreTouched() throws {
        try connection.simpleExecute(
            """
            CREATE TABLE core.people (id text PRIMARY KEY, ward text, note text);
            CREATE INDEX ON core.people (ward);
            INSERT INTO core.people SELECT 'p' || g, 'w' || (g % 99), repeat('x', 100) FROM generate_series(1, 30000) AS g;
            """)
        let heap = try int("SELECT (pg_relation_size('core.people') / 8192)::bigint")
        XCTAssertGreaterThan(heap, 300, "the table is large enough to be worth reading ahead (over 1 MB)")
        // A sixteenth of the heap's pages at least: heap / 16 rows touched is the threshold.
        XCTAssertEqual(try ReadAhead.table("core.people", rows: heap / 16 - 1, connection), .notNeeded)
        XCTAssertEqual(try ReadAhead.table("core.people", rows: heap / 16 + 1, connection), .asked(pages: try pages("core.people")))
        XCTAssertEqual(try ReadAhead.table("core.people", rows: 0, connection), .notNeeded)
        XCTAssertEqual(try ReadAhead.table("core.absent", rows: 1_000_000, connection), .notNeeded)
    }

    func testAPartitionedTableIsNotReadAheadButOnePartitionNamedIs() throws {
        try connection.simpleExecute(
            """
            CREATE TABLE core.claims (period date NOT NULL, id text NOT NULL, note text, PRIMARY KEY (period, id)) PARTITION BY LIST (period);
            CREATE TABLE core.claims_2025_01 PARTITION OF core.claims FOR VALUES IN ('2025-01-01');
            CREATE TABLE core.claims_2025_02 PARTITION OF core.claims FOR VALUES IN ('2025-02-01');
            INSERT INTO core.claims SELECT d, 'c' || g, repeat('y', 120)
            FROM generate_series(1, 20000) AS g, (VALUES ('2025-01-01'::date), ('2025-02-01')) AS p (d);
            """)
        // A night's changes fall in few months: every month is never read for them.
        XCTAssertEqual(try ReadAhead.table("core.claims", rows: 40_000, connection), .notNeeded)
        XCTAssertEqual(try ReadAhead.table("core.claims_2025_02", rows: 20_000, connection), .asked(pages: try pages("core.claims_2025_02")))
    }

    func testTablesSmallerThanAMegabyteOrTooLargeToStayCachedAreNotRead() throws {
        try connection.simpleExecute(
            """
            CREATE TABLE core.small (id int PRIMARY KEY);
            INSERT INTO core.small SELECT generate_series(1, 100);
            CREATE TABLE core.large (id int PRIMARY KEY, note text);
            INSERT INTO core.large SELECT g, repeat('z', 200) FROM generate_series(1, 20000) AS g;
            """)
        XCTAssertEqual(try ReadAhead.table("core.small", rows: 100, connection), .notNeeded)
        XCTAssertGreaterThan(try int("SELECT pg_total_relation_size('core.large')::bigint"), 4 << 20)
        // Half of effective_cache_size at most: 8 MB of cache takes 4 MB.
        try connection.simpleExecute("SET effective_cache_size = '8MB'")
        XCTAssertEqual(try ReadAhead.table("core.large", rows: 20_000, connection), .notNeeded)
        try connection.simpleExecute("RESET effective_cache_size")
        XCTAssertEqual(try ReadAhead.table("core.large", rows: 20_000, connection), .asked(pages: try pages("core.large")))
    }

    func testWithoutPgPrewarmNothingIsReadAheadAndTheStepGoesOn() throws {
        try connection.simpleExecute(
            """
            CREATE TABLE core.people (id text PRIMARY KEY, note text);
            INSERT INTO core.people SELECT 'p' || g, repeat('x', 200) FROM generate_series(1, 20000) AS g;
            """)
        XCTAssertEqual(try int("SELECT count(*) FROM pg_extension WHERE extname = 'pg_prewarm'"), 1, "installed by the migration")
        try connection.simpleExecute("BEGIN; DROP EXTENSION pg_prewarm")
        XCTAssertEqual(try ReadAhead.table("core.people", rows: 20_000, connection), .unavailable)
        // The transaction it ran in is unharmed.
        XCTAssertEqual(try int("SELECT count(*) FROM core.people"), 20_000)
        try connection.simpleExecute("ROLLBACK")
        XCTAssertEqual(try ReadAhead.table("core.people", rows: 20_000, connection), .asked(pages: try pages("core.people")))
    }
}
