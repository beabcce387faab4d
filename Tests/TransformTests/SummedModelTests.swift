import Foundation
import Postgres
import TestSupport
import Transform
import Warehouse
import XCTest

/// A model kept by adding (`incremental_strategy: sum`): its sums follow the signed changes of what it reads, a
/// group left with no rows goes, and the table stays what a full build of its query gives.
final class SummedModelTests: DatabaseTestCase {
    override var databasePrefix: String { "summed" }

    var folder: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrateSchema(connection)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("summed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("core"), withIntermediateDirectories: true)
        try connection.simpleExecute(
            """
            CREATE TABLE core.clean_items (id text PRIMARY KEY, grp text, weight int, _deleted_at timestamptz,
                                           _normalized_at timestamptz NOT NULL DEFAULT clock_timestamp())
            """)
        try """
            -- unique_key: id
            -- materialized: incremental
            -- incremental_keys: SELECT id FROM {{ changes('core.clean_items') }}
            SELECT id, grp, weight FROM core.clean_items WHERE _deleted_at IS NULL AND {{ affected('id') }}
            """.write(to: folder.appendingPathComponent("core/items.sql"), atomically: true, encoding: .utf8)
        try """
            -- unique_key: grp
            -- materialized: incremental
            -- incremental_strategy: sum
            SELECT grp, sum(_sign)::bigint AS items, sum(_sign * weight)::bigint AS weight,
                   sum(CASE WHEN weight > 1 THEN _sign ELSE 0 END)::int AS heavy
            FROM {{ signed('core.items') }} AS i GROUP BY grp
            """.write(to: folder.appendingPathComponent("core/item_sums.sql"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
        try super.tearDownWithError()
    }

    /// Builds the models named and what they read (all when none are named), one at a time, from the files.
    func buildModels(_ names: [String] = []) throws -> [ModelRunner.Outcome] {
        let catalog = try ModelCatalog(directory: folder)
        let url = database.url
        let runner = ModelRunner(catalog: catalog, concurrency: 1) { try PostgresConnection.connect(url) }
        return try runner.run(try catalog.selection(names), runID: try RunLedger.start(connection, pipeline: "test", kind: .transform))
    }

    /// Builds both models; returns the summed model's outcome.
    func build() throws -> ModelRunner.Outcome {
        let outcomes = try buildModels()
        XCTAssertEqual(outcomes.map(\.status), [.succeeded, .succeeded], outcomes.compactMap(\.error).joined(separator: "; "))
        return try XCTUnwrap(outcomes.first { $0.model == "core.item_sums" })
    }

    func sums() throws -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for row in try connection.query("SELECT grp, items::int AS items, weight::int AS weight, heavy FROM core.item_sums") {
            result[try row.decode(String.self, "grp")] =
                [try row.decode(Int.self, "items"), try row.decode(Int.self, "weight"), try row.decode(Int.self, "heavy")]
        }
        return result
    }

    func assertEqualsFullBuild(_ message: String) throws {
        let catalog = try ModelCatalog(directory: folder)
        let model = try XCTUnwrap(catalog.models["core.item_sums"])
        let hash = "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h FROM"
        XCTAssertEqual(
            try connection.query("\(hash) core.item_sums AS t")[0].decode(String.self, "h"),
            try connection.query("\(hash) (\(model.sql)) AS t")[0].decode(String.self, "h"), message)
    }

    func testSumsFollowTheSignedChangesAndAnEmptiedGroupGoes() throws {
        try connection.simpleExecute("INSERT INTO core.clean_items (id, grp, weight) VALUES ('a1', 'g1', 1), ('a2', 'g1', 2), ('b1', 'g2', 5)")
        let first = try build()
        XCTAssertEqual(first.mode, "full", "the first build")
        XCTAssertEqual(try sums(), ["g1": [2, 3, 1], "g2": [1, 5, 1]])

        // b1 moves to g1 (g2 is left with no row), a2 goes, c1 comes in a group of its own, a1 gains weight.
        try connection.simpleExecute(
            """
            UPDATE core.clean_items SET grp = 'g1', _normalized_at = clock_timestamp() WHERE id = 'b1';
            UPDATE core.clean_items SET _deleted_at = now(), _normalized_at = clock_timestamp() WHERE id = 'a2';
            UPDATE core.clean_items SET weight = 3, _normalized_at = clock_timestamp() WHERE id = 'a1';
            INSERT INTO core.clean_items (id, grp, weight) VALUES ('c1', 'g3', 1)
            """)
        let second = try build()
        XCTAssertEqual(second.mode, "incremental")
        XCTAssertEqual(second.keys, 3, "the groups the changed rows were in or went to: g1, g2, g3")
        XCTAssertEqual(try sums(), ["g1": [2, 8, 2], "g3": [1, 1, 0]], "g2 has no row left")
        try assertEqualsFullBuild("after the changes")

        // Nothing changed: nothing read, nothing written.
        let quiet = try build()
        XCTAssertEqual(quiet.mode, "incremental")
        XCTAssertEqual(quiet.keys, 0)
        XCTAssertEqual(quiet.rows, 0)

        // A row back in the emptied group brings it back.
        try connection.simpleExecute("UPDATE core.clean_items SET grp = 'g2', _normalized_at = clock_timestamp() WHERE id = 'c1'")
        XCTAssertEqual(try build().mode, "incremental")
        XCTAssertEqual(try sums(), ["g1": [2, 8, 2], "g2": [1, 1, 0]])
        try assertEqualsFullBuild("after a group came back")
    }

    /// Changes that touch most groups are still added, not rebuilt: the build reads the changes alone, where a full
    /// one reads every row (a merge model goes full past a quarter of its rows; a model kept by adding does not).
    func testChangesTouchingMostGroupsAreStillAddedNotRebuilt() throws {
        try connection.simpleExecute(
            """
            INSERT INTO core.clean_items (id, grp, weight)
            SELECT 'i' || n, 'g' || (n % 12000), 1 FROM generate_series(1, 60000) AS n
            """)
        XCTAssertEqual(try build().mode, "full", "the first build")
        // One item in each of the 12,000 groups gains weight: a fifth of the items, every group.
        try connection.simpleExecute(
            "UPDATE core.clean_items SET weight = 2, _normalized_at = clock_timestamp() WHERE (substr(id, 2)::int) <= 12000")
        let outcomes = try buildModels()
        XCTAssertEqual(outcomes.first { $0.model == "core.items" }?.mode, "incremental", "a fifth of the items' rows")
        let summed = try XCTUnwrap(outcomes.first { $0.model == "core.item_sums" })
        XCTAssertEqual(summed.mode, "incremental", summed.error ?? "every group touched, still added")
        XCTAssertEqual(summed.keys, 12000)
        XCTAssertEqual(try sums()["g7"], [5, 6, 1])
        try assertEqualsFullBuild("after changes in every group")
    }

    /// A partitioned model records a month it attaches by a row naming it, and a reader reads the partition: when
    /// the reader's last build is older than that month and later changes to the month's rows (the model built
    /// twice in between), it reads the partition as it is now and leaves those recorded changes out.
    func testAReaderReadsANewPartitionAsItIsNow() throws {
        try connection.simpleExecute("ALTER TABLE core.clean_items ADD COLUMN period int NOT NULL DEFAULT 1")
        try """
            -- unique_key: period, id
            -- materialized: incremental
            -- partition_by: period
            -- incremental_keys: SELECT period, id FROM {{ changes('core.clean_items') }}
            SELECT period, id, grp, weight FROM core.clean_items WHERE _deleted_at IS NULL AND {{ affected('period', 'id') }}
            """.write(to: folder.appendingPathComponent("core/items.sql"), atomically: true, encoding: .utf8)
        try connection.simpleExecute("INSERT INTO core.clean_items (id, grp, weight) VALUES ('a1', 'g1', 1), ('b1', 'g2', 2)")
        XCTAssertEqual(try build().mode, "full")

        func buildItemsAlone() throws {
            let outcomes = try buildModels(["core.items"])
            XCTAssertEqual(outcomes.map(\.model), ["core.items"])
            XCTAssertEqual(outcomes.map(\.mode), ["incremental"], outcomes.compactMap(\.error).joined(separator: "; "))
        }
        // A second period: a partition of its own, attached, named in the delta table.
        try connection.simpleExecute("INSERT INTO core.clean_items (id, grp, weight, period) VALUES ('a2', 'g1', 3, 2), ('c2', 'g3', 4, 2), ('d2', 'g3', 1, 2)")
        try buildItemsAlone()
        XCTAssertEqual(
            try connection.query("SELECT count(*)::int AS n FROM citypipe_delta.core__items WHERE _change = '*'")[0].decode(Int.self, "n"), 1)
        XCTAssertEqual(
            try connection.query("SELECT count(*)::int AS n FROM citypipe_delta.core__items WHERE _change <> '*'")[0].decode(Int.self, "n"), 0,
            "the partition's rows are not copied")
        // Then a row of the new partition changes group, another goes: recorded as usual, after the partition.
        try connection.simpleExecute(
            """
            UPDATE core.clean_items SET grp = 'g1', _normalized_at = clock_timestamp() WHERE id = 'c2';
            UPDATE core.clean_items SET _deleted_at = now(), _normalized_at = clock_timestamp() WHERE id = 'd2'
            """)
        try buildItemsAlone()
        let summed = try build()
        XCTAssertEqual(summed.mode, "incremental")
        XCTAssertEqual(try sums(), ["g1": [3, 8, 2], "g2": [1, 2, 1]], "a2 and c2 counted once each, d2 not at all; g3 never had a row")
        try assertEqualsFullBuild("after a month read from its partition")
    }

    /// A sum that is not an integer is refused, named: added in another order than a full build's, a numeric sum's
    /// scale could differ.
    func testANumericSumIsRefused() throws {
        try """
            -- unique_key: grp
            -- materialized: incremental
            -- incremental_strategy: sum
            SELECT grp, sum(_sign * weight * 1.5) AS weight FROM {{ signed('core.items') }} AS i GROUP BY grp
            """.write(to: folder.appendingPathComponent("core/item_sums.sql"), atomically: true, encoding: .utf8)
        try connection.simpleExecute("INSERT INTO core.clean_items (id, grp, weight) VALUES ('a1', 'g1', 1)")
        _ = try build()
        try connection.simpleExecute("UPDATE core.clean_items SET weight = 2, _normalized_at = clock_timestamp() WHERE id = 'a1'")
        let summed = try XCTUnwrap(try buildModels().first { $0.model == "core.item_sums" })
        XCTAssertEqual(summed.status, .failed)
        XCTAssertTrue(summed.error?.contains("weight is numeric: a model kept by adding") == true, summed.error ?? "")
    }
}
