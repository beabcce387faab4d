import Foundation
import Postgres
import TestSupport
import Transform
import Warehouse
import XCTest

/// Building models against the embedded PostgreSQL: order, parallelism, atomic swaps, failures.
final class ModelRunnerTests: DatabaseTestCase {
    override var databasePrefix: String { "models" }

    var runID: Int64 = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrateSchema(connection)
        runID = try RunLedger.start(connection, pipeline: "test", kind: .transform)
    }

    func model(_ name: String, _ sql: String, key: [String] = [], indexes: [String] = [], after: [String] = [], timeout: Int = SQLModel.defaultTimeoutSeconds) -> SQLModel {
        SQLModel(name: name, file: "models/\(name).sql", sql: sql, dependencies: after, description: "Test \(name).", uniqueKey: key, indexes: indexes,
                 timeoutSeconds: timeout)
    }

    func runner(_ models: [SQLModel], concurrency: Int = 2) throws -> (ModelRunner, [SQLModel]) {
        let catalog = try ModelCatalog(models: models)
        let url = database.url
        return (ModelRunner(catalog: catalog, concurrency: concurrency) { try PostgresConnection.connect(url) }, try catalog.selection([]))
    }

    func testModelsBuildInOrderWithKeysIndexesAndComments() throws {
        let (runner, models) = try runner([
            model("core.numbers", "SELECT g AS n, g % 3 AS r FROM generate_series(1, 100) AS g", key: ["n"], indexes: ["r"]),
            model("integrated.by_rest", "SELECT r, count(*) AS n FROM core.numbers GROUP BY r", key: ["r"], after: ["core.numbers"]),
        ])
        let outcomes = try runner.run(models, runID: runID)
        XCTAssertEqual(outcomes.map(\.status), [.succeeded, .succeeded])
        XCTAssertEqual(outcomes.map(\.rows), [100, 3])
        XCTAssertEqual(try connection.query("SELECT sum(n)::int AS s FROM integrated.by_rest")[0].decode(Int.self, "s"), 100)
        let indexes = try connection.query(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'core' AND tablename = 'numbers' ORDER BY 1").map { try $0.decode(String.self, "indexname") }
        XCTAssertEqual(indexes, ["numbers_1", "numbers_pkey"])
        XCTAssertEqual(
            try connection.query("SELECT obj_description('core.numbers'::regclass) AS c")[0].decode(String.self, "c"),
            "Test core.numbers. (model models/core.numbers.sql)")
        let runs = try connection.query("SELECT model, status, rows_built FROM citypipe.model_runs ORDER BY started_at")
        XCTAssertEqual(try runs.map { try $0.decode(String.self, "model") }, ["core.numbers", "integrated.by_rest"])
        // A second build gives the same table.
        let before = try connection.query("SELECT md5(string_agg(n || ':' || r, ',' ORDER BY n)) AS h FROM core.numbers")[0].decode(String.self, "h")
        _ = try runner.run(models, runID: runID)
        XCTAssertEqual(try connection.query("SELECT md5(string_agg(n || ':' || r, ',' ORDER BY n)) AS h FROM core.numbers")[0].decode(String.self, "h"), before)
    }

    /// A view model is made once, and again only when its SQL changes; the full builds of the table it reads (and
    /// of one an analyst's own view reads) keep both views, made again in the build's transaction.
    func testAViewModelIsMadeOnceAndOutlivesTheFullBuildsOfWhatItReads() throws {
        // random() makes the table model rebuild on every run.
        let numbers = model("core.numbers", "SELECT g AS n, g % 3 AS r FROM generate_series(1, 100) AS g WHERE random() >= 0", key: ["n"])
        func view(_ sql: String) -> SQLModel {
            SQLModel(name: "integrated.by_rest", file: "models/integrated.by_rest.sql", sql: sql, dependencies: ["core.numbers"],
                     description: "Counts by rest.", uniqueKey: ["r"], materialized: .view)
        }
        let (original, models) = try runner([numbers, view("SELECT r, count(*) AS n FROM core.numbers GROUP BY r")])
        let first = try original.run(models, runID: runID)
        XCTAssertEqual(first.map(\.status), [.succeeded, .succeeded])
        XCTAssertEqual(first.map(\.mode), ["full", "full"])
        XCTAssertEqual(try connection.query("SELECT relkind::text AS k FROM pg_class WHERE oid = 'integrated.by_rest'::regclass")[0].decode(String.self, "k"), "v")
        XCTAssertEqual(
            try connection.query("SELECT obj_description('integrated.by_rest'::regclass) AS c")[0].decode(String.self, "c"),
            "Counts by rest. (model models/integrated.by_rest.sql)")
        try connection.simpleExecute(
            "CREATE VIEW integrated.analyst_top AS SELECT n FROM core.numbers WHERE n > 90; COMMENT ON VIEW integrated.analyst_top IS 'an analyst''s'")

        let second = try original.run(models, runID: runID)
        XCTAssertEqual(second.map(\.mode), ["full", "unchanged"], "the table is rebuilt; the view stands")
        XCTAssertEqual(try connection.query("SELECT sum(n)::int AS s FROM integrated.by_rest")[0].decode(Int.self, "s"), 100)
        XCTAssertEqual(try connection.query("SELECT count(*)::int AS c FROM integrated.analyst_top")[0].decode(Int.self, "c"), 10)
        XCTAssertEqual(
            try connection.query("SELECT obj_description('integrated.analyst_top'::regclass) AS c")[0].decode(String.self, "c"), "an analyst's",
            "a view made again keeps its comment")

        let (changed, changedModels) = try runner([numbers, view("SELECT r, count(*) AS n, max(n) AS top FROM core.numbers GROUP BY r")])
        let third = try changed.run(changedModels, runID: runID)
        XCTAssertEqual(third.map(\.mode), ["full", "full"], "its SQL changed: the view is made again")
        XCTAssertEqual(try connection.query("SELECT max(top)::int AS t FROM integrated.by_rest")[0].decode(Int.self, "t"), 100)
    }

    func testIndependentModelsBuildAtTheSameTime() throws {
        let (runner, models) = try runner([
            model("core.slow_a", "SELECT 1 AS x FROM pg_sleep(0.6)"),
            model("core.slow_b", "SELECT 2 AS x FROM pg_sleep(0.6)"),
        ], concurrency: 2)
        let outcomes = try runner.run(models, runID: runID)
        XCTAssertEqual(outcomes.map(\.status), [.succeeded, .succeeded])
        let overlap = try connection.query(
            """
            SELECT (SELECT max(started_at) FROM citypipe.model_runs) < (SELECT min(finished_at) FROM citypipe.model_runs) AS overlapped
            """)[0].decode(Bool.self, "overlapped")
        XCTAssertTrue(overlap, "both were building at once")
    }

    func testAFailedModelKeepsItsPreviousTableAndSkipsWhatReadsIt() throws {
        let good = model("core.base", "SELECT 1 AS id", key: ["id"])
        let (first, firstModels) = try runner([good, model("integrated.top", "SELECT id FROM core.base", after: ["core.base"])])
        _ = try first.run(firstModels, runID: runID)
        // Now the base model produces a duplicate key: its build fails, the old table stays, top is skipped.
        let (second, secondModels) = try runner([
            model("core.base", "SELECT 1 AS id UNION ALL SELECT 1", key: ["id"]),
            model("integrated.top", "SELECT id FROM core.base", after: ["core.base"]),
            model("integrated.other", "SELECT 3 AS z"),
        ])
        let outcomes = try second.run(secondModels, runID: runID)
        XCTAssertEqual(outcomes.map { "\($0.model)=\($0.status.rawValue)" }, ["core.base=failed", "integrated.other=succeeded", "integrated.top=skipped"])
        XCTAssertTrue(outcomes[0].error?.contains("models/core.base.sql") ?? false, outcomes[0].error ?? "")
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM core.base")[0].decode(Int.self, "n"), 1, "the previous table")
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM pg_tables WHERE tablename LIKE '%__cp_new'")[0].decode(Int.self, "n"), 0)
        let statuses = try connection.query("SELECT status, count(*)::int AS n FROM citypipe.model_runs GROUP BY 1 ORDER BY 1")
            .map { "\(try $0.decode(String.self, "status"))=\(try $0.decode(Int.self, "n"))" }
        XCTAssertEqual(statuses, ["failed=1", "skipped=1", "succeeded=3"])
    }

    /// Review defect (issue 15): a build that lost its connection left its run-log row at 'running' (the write
    /// of the failure went to the dead connection and its error was dropped), the skipped model after it was
    /// never logged, and the next model on that worker failed without a row.
    func testAModelThatLosesItsConnectionIsLoggedFailedAndTheWorkerGoesOn() throws {
        let (runner, models) = try runner(
            [
                model("core.cut", "SELECT pg_terminate_backend(pg_backend_pid()) AS gone"),
                model("core.after", "SELECT gone FROM core.cut", after: ["core.cut"]),
                model("core.next", "SELECT 2 AS id"),
            ], concurrency: 1)
        let outcomes = try runner.run(models, runID: runID)
        XCTAssertEqual(outcomes.map { "\($0.model)=\($0.status.rawValue)" }, ["core.after=skipped", "core.cut=failed", "core.next=succeeded"])
        let logged = try connection.query("SELECT model, status, error FROM citypipe.model_runs WHERE run_id = $1 ORDER BY model", [runID])
            .map { "\(try $0.decode(String.self, "model"))=\(try $0.decode(String.self, "status"))" }
        XCTAssertEqual(logged, ["core.after=skipped", "core.cut=failed", "core.next=succeeded"])
        XCTAssertEqual(try connection.query("SELECT count(*)::int AS n FROM citypipe.model_runs WHERE status = 'running'")[0].decode(Int.self, "n"), 0)
    }

    /// A run-log row left at 'running' by a process that died (its run is no longer running) is marked failed,
    /// as abandoned, when the next models are built.
    func testARunLogRowLeftRunningByADeadRunIsMarkedAbandoned() throws {
        let dead = try RunLedger.start(connection, pipeline: "test", kind: .transform)
        try connection.query("INSERT INTO citypipe.model_runs (run_id, model) VALUES ($1, 'core.old')", [dead])
        try RunLedger.finish(connection, runID: dead, outcome: .aborted, error: "killed")
        let (runner, models) = try runner([model("core.new", "SELECT 1 AS id")])
        _ = try runner.run(models, runID: runID)
        let row = try connection.query("SELECT status, error FROM citypipe.model_runs WHERE model = 'core.old'")[0]
        XCTAssertEqual(try row.decode(String.self, "status"), "failed")
        XCTAssertTrue(try row.decode(String.self, "error").hasPrefix("abandoned"))
    }

    func testReadersSeeTheOldTableUntilTheNewOneIsSwappedIn() throws {
        let (first, models) = try runner([model("core.v", "SELECT 1 AS version")])
        _ = try first.run(models, runID: runID)
        // The rebuild waits on an advisory lock the test holds: it is mid-build for as long as the test wants.
        try connection.query("SELECT pg_advisory_lock(4242)")
        let (slow, slowModels) = try runner([model("core.v", "SELECT 2 AS version FROM (SELECT pg_advisory_lock_shared(4242)) AS gate")])
        let url = database.url
        let runID = self.runID
        let done = expectation(description: "rebuilt")
        DispatchQueue.global().async {
            _ = try? slow.run(slowModels, runID: runID)
            done.fulfill()
        }
        try waitUntil("the rebuild to start", changesOf: "citypipe.model_runs") {
            try connection.query("SELECT count(*)::int AS n FROM citypipe.model_runs WHERE status = 'running'")[0].decode(Int.self, "n") == 1
        }
        let reader = try PostgresConnection.connect(url)
        defer { reader.close() }
        XCTAssertEqual(try reader.query("SELECT version FROM core.v")[0].decode(Int.self, "version"), 1, "mid-build: the old table")
        try connection.query("SELECT pg_advisory_unlock(4242)")
        wait(for: [done], timeout: 300)
        XCTAssertEqual(try reader.query("SELECT version FROM core.v")[0].decode(Int.self, "version"), 2)
    }

    func testABuildPastItsTimeoutIsStoppedAndKeepsThePreviousTable() throws {
        let (first, models) = try runner([model("core.t", "SELECT 1 AS version")])
        _ = try first.run(models, runID: runID)
        let (slow, slowModels) = try runner([model("core.t", "SELECT 2 AS version FROM pg_sleep(5)", timeout: 1)])
        let outcomes = try slow.run(slowModels, runID: runID)
        // Stopped by the statement timeout (SQLSTATE 57014, which the message explains), not by the query's end.
        XCTAssertEqual(outcomes.map(\.status), [.failed])
        XCTAssertTrue(outcomes[0].error?.contains("canceling statement due to statement timeout") ?? false, outcomes[0].error ?? "")
        XCTAssertTrue(outcomes[0].error?.contains("timeout of 1 s") ?? false, outcomes[0].error ?? "")
        XCTAssertEqual(try connection.query("SELECT version FROM core.t")[0].decode(Int.self, "version"), 1, "the previous table")
    }
}
