import Foundation
import Transform
import XCTest

/// Reading `Pipelines/models`: headers, refs, dependency order, and every mistake named with file and line.
final class ModelCatalogTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    func write(_ path: String, _ text: String) throws {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func testHeadersRefsAndOrder() throws {
        try write("core/base.sql", "-- description: The base.\n-- unique_key: id\n-- timeout: 90s\nSELECT 1 AS id\n")
        try write("core/middle.sql", "-- indexes: id; label, id\n-- depends_on: core.base\nSELECT id, 'x' AS label FROM core.base\n")
        try write("integrated/top.sql", "SELECT m.id FROM {{ ref('core.middle') }} AS m JOIN {{ref(\"core.base\")}} AS b USING (id)\n")
        try write("integrated/alone.sql", "WITH a AS (SELECT 2 AS n) SELECT n FROM a\n")
        try write("integrated/README.md", "not a model")
        let catalog = try ModelCatalog(directory: folder)
        XCTAssertEqual(catalog.models.keys.sorted(), ["core.base", "core.middle", "integrated.alone", "integrated.top"])
        let top = try XCTUnwrap(catalog.models["integrated.top"])
        XCTAssertEqual(top.dependencies, ["core.base", "core.middle"])
        XCTAssertEqual(top.sql, "SELECT m.id FROM core.middle AS m JOIN core.base AS b USING (id)\n")
        let base = try XCTUnwrap(catalog.models["core.base"])
        XCTAssertEqual(base.description, "The base.")
        XCTAssertEqual(base.uniqueKey, ["id"])
        XCTAssertEqual(base.timeoutSeconds, 90)
        XCTAssertEqual(catalog.models["core.middle"]?.timeoutSeconds, 1_800, "30 minutes unless the header says")
        XCTAssertEqual(catalog.models["core.middle"]?.indexes, ["id", "label, id"])
        XCTAssertEqual(catalog.models["core.middle"]?.dependencies, ["core.base"])
        let order = try catalog.order()
        XCTAssertLessThan(try XCTUnwrap(order.firstIndex(of: "core.base")), try XCTUnwrap(order.firstIndex(of: "core.middle")))
        XCTAssertLessThan(try XCTUnwrap(order.firstIndex(of: "core.middle")), try XCTUnwrap(order.firstIndex(of: "integrated.top")))
        XCTAssertEqual(try catalog.selection(["core.middle"]).map(\.name), ["core.base", "core.middle"])
        XCTAssertThrowsError(try catalog.selection(["core.nope"])) {
            XCTAssertEqual($0 as? ModelError, .unknownModel("core.nope", known: ["core.base", "core.middle", "integrated.alone", "integrated.top"]))
        }
    }

    func testPersonalColumnsAndSuppressedCounts() throws {
        try write("core/p.sql", "-- personal: person_id (identifier), full_name (name), birth_date (birth_date), note\n-- suppress: population, male\nSELECT 1 AS person_id\n")
        let model = try XCTUnwrap(try ModelCatalog(directory: folder).models["core.p"])
        XCTAssertEqual(model.personal, [
            PersonalColumn(column: "person_id", kind: .identifier), PersonalColumn(column: "full_name", kind: .name),
            PersonalColumn(column: "birth_date", kind: .birthDate), PersonalColumn(column: "note", kind: .other),
        ])
        XCTAssertEqual(model.suppress, ["population", "male"])
        XCTAssertNil(model.collection)
        try write("core/w.sql", "-- collection: wards (geom)\n-- collection_time: valid_from, valid_to\nSELECT 1 AS id\n")
        XCTAssertEqual(try ModelCatalog(directory: folder).models["core.w"]?.collection,
                       SQLModel.Collection(id: "wards", geometry: "geom", time: ["valid_from", "valid_to"]))
    }

    /// Each broken model and the message expected (with its file and line).
    func testMistakesAreNamedWithFileAndLine() throws {
        let cases: [(path: String, text: String, expected: String)] = [
            ("core/a.sql", "SELECT * FROM {{ ref('core.missing') }}\n", "Pipelines/models/core/a.sql:0: ref('core.missing') is not a model"),
            ("core/a.sql", "-- owner: me\nSELECT 1\n", "Pipelines/models/core/a.sql:1: unknown header key 'owner'"),
            ("core/a.sql", "-- description: x\n\nSELECT 1,\n  {{ ref('person') }}\n", "Pipelines/models/core/a.sql:4: ref('person'): write schema.name"),
            ("core/a.sql", "SELECT {{ source('x') }}\n", "Pipelines/models/core/a.sql:1: unknown macro 'source'"),
            ("core/a.sql", "DELETE FROM core.person\n", "Pipelines/models/core/a.sql:1: a model is one query"),
            ("staging/a.sql", "SELECT 1\n", "Pipelines/models/staging/a.sql:0: models are built in core or integrated"),
            ("core/A-b.sql", "SELECT 1\n", "Pipelines/models/core/A-b.sql:0: a model's file name"),
            ("core/a.sql", "SELECT * FROM {{ ref('core.a') }}\n", "Pipelines/models/core/a.sql:1: a model cannot ref itself"),
            ("core/a.sql", "-- description: x\n-- timeout: ten minutes\nSELECT 1\n", "Pipelines/models/core/a.sql:2: timeout: 'ten minutes' is not a duration"),
            ("core/a.sql", "-- personal: cccd (secret)\nSELECT 1\n", "Pipelines/models/core/a.sql:1: personal: 'secret' is not a kind"),
            ("core/a.sql", "-- description: x\n-- personal: full name (name)\nSELECT 1\n", "Pipelines/models/core/a.sql:2: personal: 'full name' is not a column name"),
            ("core/a.sql", "-- suppress: population; male\nSELECT 1\n", "Pipelines/models/core/a.sql:1: suppress: 'population; male' is not a column name"),
            ("core/a.sql", "-- collection: wards\nSELECT 1\n", "Pipelines/models/core/a.sql:1: collection: write ID (GEOMETRY_COLUMN)"),
            ("core/a.sql", "-- collection_time: valid_from\nSELECT 1\n", "Pipelines/models/core/a.sql:1: collection_time needs a collection header"),
            ("core/a.sql", "-- collection_min_zoom: 14\nSELECT 1\n", "Pipelines/models/core/a.sql:1: collection_min_zoom needs a collection header"),
            ("core/a.sql", "-- collection: parcels (geom)\n-- collection_min_zoom: 30\nSELECT 1\n",
             "Pipelines/models/core/a.sql:2: collection_min_zoom: a zoom level from 0 to 24"),
            ("core/a.sql", "-- collection: w (geom)\n-- collection_time: a, b, c\nSELECT 1\n", "Pipelines/models/core/a.sql:2: collection_time: one column"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\nSELECT 1 AS id\n", "Pipelines/models/core/a.sql:2: an incremental model lists the keys"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT 1\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:3: incremental_keys reads at least one {{ changes('…') }}"),
            ("core/a.sql", "-- unique_key: id\nSELECT {{ affected('id') }} AS id\n", "Pipelines/models/core/a.sql:2: affected() is for incremental models"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ changes('core.clean_x') }}\nSELECT 1 AS id WHERE {{ affected('id', 'x') }}\n",
             "Pipelines/models/core/a.sql:4: affected(): one expression per unique_key column"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ changes('core.clean_x') }}\n-- source_indexes: ref.x (id)\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:4: source_indexes: 'ref.x (id)'"),
            ("core/a.sql", "-- full_build_when: true\nSELECT 1 AS id\n", "Pipelines/models/core/a.sql:1: full_build_when is for incremental models"),
            ("core/a.sql", "-- unique_key: period, id\n-- partition_by: period\nSELECT 1 AS id, 2 AS period\n",
             "Pipelines/models/core/a.sql:2: partition_by is for incremental models"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- partition_by: period\n-- incremental_keys: SELECT id FROM {{ changes('core.clean_x') }}\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:3: partition_by: 'period' must be one of the unique_key's columns"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ changes('core.clean_x') }}\n-- partition_values: SELECT 1\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:4: partition_values is for incremental models partitioned by a column"),
            ("core/a.sql", "-- unique_key: period, id\n-- materialized: incremental\n-- partition_by: period\n-- incremental_keys: SELECT period, id FROM {{ changes('core.clean_x') }}\n-- partition_values: SELECT period FROM {{ ref('core.b') }}\nSELECT 1 AS id, 2 AS period\n",
             "Pipelines/models/core/a.sql:5: partition_values: {{ }} holds changes(), not ref()"),
            ("core/a.sql", "-- unique_key: period, id\n-- materialized: incremental\n-- partition_by: period\n-- incremental_keys: SELECT period, id FROM {{ changes('core.clean_x') }}\n-- partition_values: SELECT period FROM {{ changes('core.clean_y') }}\nSELECT 1 AS id, 2 AS period\n",
             "Pipelines/models/core/a.sql:5: partition_values: changes('core.clean_y') is not read by incremental_keys (core.clean_x)"),
            ("core/a.sql", "-- unique_key: period, id\n-- materialized: incremental\n-- partition_by: period\n-- incremental_keys: SELECT period, id FROM {{ changes('core.clean_x') }}\n-- partition_values: SELECT 1\nSELECT 1 AS id, 2 AS period\n",
             "Pipelines/models/core/a.sql:5: partition_values reads at least one {{ changes('…') }}"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ added_or_removed('core.clean_x', 'id') }}\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:3: added_or_removed('core.clean_x', …) reads an incremental model's recorded changes"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ added_or_removed('core.b') }}\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:3: added_or_removed('core.b'): write the model and its unique key's columns"),
            ("core/a.sql", "SELECT * FROM {{ added_or_removed('core.b', 'id') }}\n",
             "Pipelines/models/core/a.sql:1: added_or_removed() is read in the incremental_keys header, not in the query"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ changes('core.clean_x') }}\n-- full_build_when: EXISTS (SELECT 1 FROM {{ changes('core.clean_x') }})\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:4: full_build_when: {{ }} holds ref(), not changes()"),
            // Models kept by adding (incremental_strategy: sum).
            ("core/a.sql", "-- incremental_strategy: sum\nSELECT 1 AS id\n", "Pipelines/models/core/a.sql:1: incremental_strategy is for incremental models"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_strategy: add\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:3: incremental_strategy: 'add' is merge (the default) or sum"),
            ("core/a.sql", "-- unique_key: id\nSELECT count(*) AS n FROM {{ signed('core.b') }} AS b\n", "Pipelines/models/core/a.sql:2: signed() is for incremental models kept by adding"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_strategy: sum\nSELECT id, sum(_sign) AS n FROM {{ signed('core.clean_x') }} AS x GROUP BY id\n",
             "Pipelines/models/core/a.sql:4: signed('core.clean_x'): a clean table keeps no old version"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_strategy: sum\nSELECT id, sum(_sign) AS n FROM {{ ref('core.b') }} AS x GROUP BY id\n",
             "Pipelines/models/core/a.sql:4: a model kept by adding (incremental_strategy: sum) reads its inputs with signed(), not ref()"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_strategy: sum\n-- incremental_keys: SELECT id FROM {{ changes('core.b') }}\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:4: a model kept by adding (incremental_strategy: sum) lists no keys"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_strategy: sum\nSELECT 1 AS id\n",
             "Pipelines/models/core/a.sql:3: a model kept by adding reads at least one incremental model with {{ signed('…') }}"),
            ("core/a.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_strategy: sum\nSELECT id, sum(_sign) AS n FROM {{ signed('core.b') }} AS x WHERE {{ affected('id') }} GROUP BY id\n",
             "Pipelines/models/core/a.sql:4: affected() is for incremental models that recompute their keys"),
            ("core/a.sql", "-- unique_key: id, period\n-- materialized: incremental\n-- incremental_strategy: sum\n-- partition_by: period\nSELECT id, period, sum(_sign) AS n FROM {{ signed('core.b') }} AS x GROUP BY 1, 2\n",
             "Pipelines/models/core/a.sql:4: partition_by is for incremental models that recompute their keys"),
        ]
        for (index, item) in cases.enumerated() {
            try? FileManager.default.removeItem(at: folder)
            try write(item.path, item.text)
            XCTAssertThrowsError(try ModelCatalog(directory: folder), "case \(index)") {
                XCTAssertTrue(String(describing: $0).hasPrefix(item.expected), "case \(index): \($0)")
            }
        }
    }

    /// A model kept by adding: a full build reads every row of what it signs with `_sign` 1, an incremental one the
    /// recorded changes, old rows -1 and new ones 1; the models it signs record their changes for it.
    func testAModelKeptByAddingReadsSignedChanges() throws {
        try write("core/p.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ changes('core.clean_x') }}\nSELECT id, grp FROM core.clean_x WHERE {{ affected('id') }}\n")
        try write(
            "core/s.sql",
            "-- unique_key: grp\n-- materialized: incremental\n-- incremental_strategy: sum\nSELECT grp, sum(_sign)::bigint AS n FROM {{ signed('core.p') }} AS p GROUP BY grp\n")
        let catalog = try ModelCatalog(directory: folder)
        let s = try XCTUnwrap(catalog.models["core.s"])
        XCTAssertEqual(s.strategy, .sum)
        XCTAssertEqual(s.dependencies, ["core.p"])
        XCTAssertEqual(s.changeSources, ["core.p"])
        XCTAssertNil(s.incrementalKeys)
        XCTAssertEqual(catalog.changeReaders(of: "core.p"), ["core.s"], "core.p records its changes for core.s")
        XCTAssertTrue(s.sql.contains("FROM (SELECT t.*, 1 AS _sign FROM core.p AS t) AS p"), s.sql)
        XCTAssertTrue(
            try XCTUnwrap(s.incrementalSQL).contains(
                "FROM (SELECT c.*, CASE WHEN c._change = '+' THEN 1 ELSE -1 END AS _sign FROM pg_temp.cp_changes__core__p AS c) AS p"),
            s.incrementalSQL ?? "")
        XCTAssertTrue(s.definition.hasSuffix("-- incremental_strategy: sum"))
        XCTAssertEqual(catalog.models["core.p"]?.strategy, .merge)
    }

    func testAddedOrRemovedAndPartitionBy() throws {
        try write("core/p.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ changes('core.clean_x') }}\nSELECT id FROM core.clean_x WHERE {{ affected('id') }}\n")
        try write(
            "core/q.sql",
            """
            -- unique_key: period, id
            -- materialized: incremental
            -- partition_by: period
            -- incremental_keys: SELECT period, id FROM {{ changes('core.clean_y') }}
            -- incremental_keys: UNION SELECT y.period, y.id FROM core.clean_y AS y JOIN {{ added_or_removed('core.p', 'id') }} AS p ON p.id = y.person
            SELECT y.period, y.id, p.id IS NOT NULL AS linked FROM core.clean_y AS y LEFT JOIN {{ ref('core.p') }} AS p ON p.id = y.person
            WHERE {{ affected('y.period', 'y.id') }}

            """)
        let catalog = try ModelCatalog(directory: folder)
        let q = try XCTUnwrap(catalog.models["core.q"])
        XCTAssertEqual(q.partitionBy, "period")
        XCTAssertEqual(q.addedOrRemoved, [SQLModel.KeyedSource(model: "core.p", key: ["id"])])
        XCTAssertEqual(q.changeSources, ["core.clean_y", "core.p"], "added_or_removed reads the model's changes")
        XCTAssertEqual(q.dependencies, ["core.p"])
        XCTAssertEqual(catalog.changeReaders(of: "core.p"), ["core.q"], "core.p records its changes for core.q")
        let keys = try XCTUnwrap(q.incrementalKeys)
        XCTAssertTrue(keys.contains("(SELECT id FROM pg_temp.cp_changes__core__p GROUP BY id HAVING"), keys)
        XCTAssertTrue(q.definition.hasSuffix("-- partition_by: period"), "another partitioning means another table: a full build")

        try write("core/q.sql", "-- unique_key: id\n-- materialized: incremental\n-- incremental_keys: SELECT id FROM {{ added_or_removed('core.p', 'key') }}\nSELECT 1 AS id\n")
        XCTAssertThrowsError(try ModelCatalog(directory: folder)) {
            XCTAssertTrue(String(describing: $0).contains("added_or_removed('core.p', …) names the unique key of core.p: 'id', not 'key'"), "\($0)")
        }
    }

    func testAViewModelHasNoIndexesAndNoModelReadsIt() throws {
        try write("core/v.sql", "-- unique_key: id\n-- materialized: view\nSELECT 1 AS id\n")
        XCTAssertEqual(try ModelCatalog(directory: folder).models["core.v"]?.materialized, .view)
        try write("core/w.sql", "SELECT id FROM {{ ref('core.v') }}\n")
        XCTAssertThrowsError(try ModelCatalog(directory: folder)) {
            XCTAssertTrue(String(describing: $0).contains("ref('core.v'): core.v is a view model"), "\($0)")
        }
        try FileManager.default.removeItem(at: folder)
        try write("core/v.sql", "-- unique_key: id\n-- indexes: id\n-- materialized: view\nSELECT 1 AS id\n")
        XCTAssertThrowsError(try ModelCatalog(directory: folder)) {
            XCTAssertTrue(String(describing: $0).hasPrefix("Pipelines/models/core/v.sql:2: a view model has no indexes"), "\($0)")
        }
    }

    func testACycleIsNamed() throws {
        try write("core/a.sql", "SELECT * FROM {{ ref('core.b') }}\n")
        try write("core/b.sql", "SELECT * FROM {{ ref('core.c') }}\n")
        try write("core/c.sql", "SELECT * FROM {{ ref('core.a') }}\n")
        XCTAssertThrowsError(try ModelCatalog(directory: folder)) {
            XCTAssertEqual($0 as? ModelError, .cycle(["core.a", "core.b", "core.c", "core.a"]))
        }
    }
}
