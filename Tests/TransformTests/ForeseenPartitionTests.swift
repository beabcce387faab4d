import Foundation
import Postgres
import TestSupport
import Transform
import Warehouse
import XCTest

/// A partitioned incremental model that says which partition values its inputs' changes bring
/// (`-- partition_values:`): a new value's partition is built whole before the keys are listed and its keys are not
/// listed; a new value without rows makes no partition; a value the query misses is still found among the keys.
final class ForeseenPartitionTests: DatabaseTestCase {
    override var databasePrefix: String { "foreseen" }

    var folder: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrateSchema(connection)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("foreseen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("core"), withIntermediateDirectories: true)
        try connection.simpleExecute(
            """
            CREATE TABLE core.clean_items (id text, period int NOT NULL, grp text, _deleted_at timestamptz,
                                           _normalized_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (period, id))
            """)
        // Period 4 and later are not foreseen: their keys are listed, as without partition_values.
        try """
            -- unique_key: period, id
            -- materialized: incremental
            -- partition_by: period
            -- partition_values: SELECT period FROM {{ changes('core.clean_items') }} WHERE period < 4
            -- incremental_keys: SELECT period, id FROM {{ changes('core.clean_items') }}
            SELECT period, id, grp FROM core.clean_items WHERE _deleted_at IS NULL AND grp <> 'skip' AND {{ affected('period', 'id') }}
            """.write(to: folder.appendingPathComponent("core/items.sql"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
        try super.tearDownWithError()
    }

    func build() throws -> ModelRunner.Outcome {
        let catalog = try ModelCatalog(directory: folder)
        let url = database.url
        let runner = ModelRunner(catalog: catalog, concurrency: 1) { try PostgresConnection.connect(url) }
        let outcomes = try runner.run(try catalog.selection([]), runID: try RunLedger.start(connection, pipeline: "test", kind: .transform))
        XCTAssertEqual(outcomes.map(\.status), [.succeeded], outcomes.compactMap(\.error).joined(separator: "; "))
        return try XCTUnwrap(outcomes.first)
    }

    func partitions() throws -> [String] {
        try connection.query(
            "SELECT c.relname AS name FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = 'core.items'::regclass ORDER BY 1"
        ).map { try $0.decode(String.self, "name") }
    }

    func assertEqualsFullBuild(_ message: String) throws {
        let model = try XCTUnwrap(try ModelCatalog(directory: folder).models["core.items"])
        let hash = "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h FROM"
        XCTAssertEqual(
            try connection.query("\(hash) core.items AS t")[0].decode(String.self, "h"),
            try connection.query("\(hash) (\(model.sql)) AS t")[0].decode(String.self, "h"), message)
    }

    func testANewValueIsBuiltWholeWithoutListingItsKeys() throws {
        try connection.simpleExecute("INSERT INTO core.clean_items (id, period, grp) VALUES ('a', 1, 'g1'), ('b', 1, 'g2')")
        XCTAssertEqual(try build().mode, "full")
        XCTAssertEqual(try partitions(), ["items_1"])

        // A new period of four rows, one of them left out by the query, and a change in period 1.
        try connection.simpleExecute(
            """
            INSERT INTO core.clean_items (id, period, grp) VALUES ('a', 2, 'g1'), ('b', 2, 'g1'), ('c', 2, 'g2'), ('d', 2, 'skip');
            UPDATE core.clean_items SET grp = 'g3', _normalized_at = clock_timestamp() WHERE id = 'b' AND period = 1
            """)
        let second = try build()
        XCTAssertEqual(second.mode, "incremental")
        XCTAssertEqual(second.keys, 4, "one key listed (b of period 1) and the new period's 3 rows; listed, its keys would have been 4")
        XCTAssertEqual(second.rows, 4, "3 rows attached, 1 replaced")
        XCTAssertEqual(try partitions(), ["items_1", "items_2"])
        XCTAssertEqual(
            try connection.query("SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'cp_partition_bound'")[0].decode(Int.self, "n"), 0,
            "the check that spared ATTACH its scan goes once the partition is attached")
        try assertEqualsFullBuild("after a foreseen period")

        // A new period whose rows the query leaves out: no partition, as in a full build.
        try connection.simpleExecute("INSERT INTO core.clean_items (id, period, grp) VALUES ('a', 3, 'skip')")
        let third = try build()
        XCTAssertEqual(third.mode, "incremental")
        XCTAssertEqual(third.rows, 0)
        XCTAssertEqual(try partitions(), ["items_1", "items_2"])
        try assertEqualsFullBuild("after a period without rows")

        // A period the values query does not foresee: its keys are listed and it is built apart as before.
        try connection.simpleExecute("INSERT INTO core.clean_items (id, period, grp) VALUES ('a', 4, 'g1'), ('b', 4, 'skip')")
        let fourth = try build()
        XCTAssertEqual(fourth.mode, "incremental")
        XCTAssertEqual(fourth.keys, 2, "both keys of period 4 listed")
        XCTAssertEqual(try partitions(), ["items_1", "items_2", "items_4"])
        try assertEqualsFullBuild("after a period found among the keys")

        // A full build makes the same partitions.
        let catalog = try ModelCatalog(directory: folder)
        let url = database.url
        let runner = ModelRunner(catalog: catalog, concurrency: 1, full: true) { try PostgresConnection.connect(url) }
        _ = try runner.run(try catalog.selection([]), runID: try RunLedger.start(connection, pipeline: "test", kind: .transform))
        XCTAssertEqual(try partitions(), ["items_1", "items_2", "items_4"])
    }
}
