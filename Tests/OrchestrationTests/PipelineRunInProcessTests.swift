import Foundation
import Orchestration
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `PipelineRun` started and executed in-process, as the API does: the ledger, the lock, the loads.
final class PipelineRunInProcessTests: OrchestrationTestCase {
    func request(_ pipeline: String = "small") -> PipelineRunRequest {
        PipelineRunRequest(
            pipeline: pipeline, pipelines: pipelines, connectors: connectors, models: scratch.appendingPathComponent("Pipelines/models").path,
            conninfo: database.url)
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try fileFeed("towns", file: "towns.csv")
        try csv("towns.csv", rows: 5)
        try pipeline("small", feeds: ["towns"])
    }

    func testARunStartedAndExecutedInProcessLoadsTheFeedAndRecordsASucceededRun() async throws {
        let run = try PipelineRun.start(request(), log: .silent)
        XCTAssertEqual(run.pipeline, "small")
        XCTAssertEqual(
            try connection.query("SELECT status FROM citypipe.runs WHERE run_id = $1 AND kind = 'run'", [run.runID])
                .map { try $0.decode(String.self, "status") },
            ["running"], "recorded at start")
        XCTAssertFalse(try isFree("citypipe:run:small"), "the started run holds the pipeline's lock")

        let result = await run.execute()
        XCTAssertEqual(result.runID, run.runID)
        XCTAssertEqual(result.outcome, .succeeded)
        XCTAssertEqual(result.results.map(\.feed), ["towns"])
        XCTAssertEqual(result.results.first?.report?.rowsStaged, 5)
        XCTAssertTrue(result.failed.isEmpty)
        XCTAssertNil(result.recordError)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.towns"), 5)
        XCTAssertEqual(
            try connection.query("SELECT status, finished_at IS NOT NULL AS finished FROM citypipe.runs WHERE run_id = $1", [run.runID])
                .map { "\(try $0.decode(String.self, "status")) \(try $0.decode(Bool.self, "finished"))" },
            ["succeeded true"])
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'towns' AND status = 'succeeded'"), 1)
        XCTAssertTrue(try isFree("citypipe:run:small"), "released at the end")
        XCTAssertTrue(result.summary.contains("run #\(run.runID) of small: succeeded"), result.summary)

        let again = await run.execute()
        XCTAssertEqual(again.runID, run.runID, "a second execute returns the first result")
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_runs"), 1, "and loads nothing again")
    }

    func testASecondStartWhileOneIsStartedIsBusyNamesTheFirstAndWritesNoRun() async throws {
        let first = try PipelineRun.start(request(), log: .silent)
        let runs = try count("SELECT count(*) FROM citypipe.runs")
        XCTAssertThrowsError(try PipelineRun.start(request(), log: .silent)) { error in
            guard case .busy(let holder) = error as? OrchestrationError else {
                return XCTFail("expected busy, got \(error)")
            }
            XCTAssertTrue(holder.contains("run #\(first.runID) of small is in progress"), holder)
            XCTAssertTrue(holder.contains("pid \(ProcessInfo.processInfo.processIdentifier)"), holder)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs"), runs, "no row for the refused start")
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_runs"), 0, "nothing loaded")

        let result = await first.execute()
        XCTAssertEqual(result.outcome, .succeeded)
        let next = try PipelineRun.start(request(), log: .silent)
        XCTAssertGreaterThan(next.runID, first.runID)
        let nextResult = await next.execute()
        XCTAssertEqual(nextResult.outcome, .succeeded)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs WHERE status = 'succeeded'"), 2)
    }

    /// Starts a run and drops it unexecuted; returns its id.
    func startAndDrop() throws -> Int64 {
        try PipelineRun.start(request(), log: .silent).runID
    }

    func testARunDroppedWithoutExecutingIsAbortedAndFreesTheLock() async throws {
        let dropped = try startAndDrop()
        XCTAssertTrue(try isFree("citypipe:run:small"), "its connection was closed")
        XCTAssertEqual(
            try connection.query("SELECT status FROM citypipe.runs WHERE run_id = $1", [dropped]).map { try $0.decode(String.self, "status") },
            ["aborted"])
        let next = try PipelineRun.start(request(), log: .silent)
        let result = await next.execute()
        XCTAssertEqual(result.outcome, .succeeded)
    }

    func testAFailingFeedIsNamedThePartialRunStillReleasesTheLock() async throws {
        // A gzip header, then bytes that are no deflate stream: the feed fails, the others load.
        try fileFeed("missing", file: "broken.csv.gz")
        try Data([0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF] + Array("this is not deflate data at all".utf8))
            .write(to: scratch.appendingPathComponent("files/broken.csv.gz"))
        try pipeline("mixed", feeds: ["towns", "missing"])
        let run = try PipelineRun.start(request("mixed"), log: .silent)
        let result = await run.execute()
        XCTAssertEqual(result.outcome, .partial)
        XCTAssertEqual(result.failed.map(\.feed), ["missing"])
        XCTAssertEqual(result.results.map(\.feed), ["towns", "missing"], "in the order of the step")
        XCTAssertEqual(try count("SELECT count(*) FROM staging.towns"), 5)
        XCTAssertEqual(
            try connection.query("SELECT status, error FROM citypipe.runs WHERE run_id = $1", [run.runID])
                .map { "\(try $0.decode(String.self, "status")): \(try $0.decode(String.self, "error"))" },
            ["partial: failed: missing"])
        XCTAssertTrue(try isFree("citypipe:run:mixed"))
    }

    func testAnInvalidPipelineIsRefusedBeforeTheDatabase() throws {
        try pipeline("typo", feeds: ["townz"])
        var unreachable = request("typo")
        unreachable.conninfo = "postgresql://nobody@127.0.0.1:1/none"
        XCTAssertThrowsError(try PipelineRun.start(unreachable, log: .silent)) { error in
            guard case .invalid(let text) = error as? OrchestrationError else { return XCTFail("expected invalid, got \(error)") }
            XCTAssertTrue(text.contains("did you mean 'towns'"), text)
        }
        XCTAssertThrowsError(try PipelineRun.start(request("weekly"), log: .silent)) { error in
            guard case .invalid(let text) = error as? OrchestrationError else { return XCTFail("expected invalid, got \(error)") }
            XCTAssertTrue(text.contains("no pipeline") && text.contains("small"), text)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs"), 0)
    }

    func testAFeedIsNormalisedAsSoonAsItsLoadEndsWhileTheStepsOtherFeedsStillLoad() async throws {
        try earlyPipeline()
        // The first night: every clean table is built by the transform step (a first build is never early).
        let first = await (try PipelineRun.start(request("early"), log: .silent)).execute()
        XCTAssertEqual(first.outcome, .succeeded, first.summary)
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_towns"), 5)

        // The next night `villages` reads a named pipe: its load lasts until the test writes the pipe and closes it.
        try csv("towns.csv", rows: 7)
        let writer = try villagesPipe()
        let run = try PipelineRun.start(request("early"), log: .silent)
        let execution = Task.detached { await run.execute() }

        // towns' two new rows are normalised while villages still loads.
        nonisolated(unsafe) let test = self  // used by the waiting thread alone until it returns
        try await offPool {
            try test.waitUntil("towns normalised", changesOf: "citypipe.transform_state") {
                try test.count("SELECT count(*) FROM core.clean_towns") == 7
            }
        }
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'villages' AND status = 'running'"), 1)

        send("code,name,updated_at\nC1,Thôn 1,2025-09-01T08:00:00+07:00\nC3,Thôn 3,2025-09-02T08:00:00+07:00\n", to: writer)
        let result = await execution.value
        XCTAssertEqual(result.outcome, .succeeded, result.summary)
        XCTAssertEqual(result.results.filter { $0.feed == "core.clean_towns" }.count, 1, "towns normalised once, early")
        XCTAssertEqual(result.results.filter { $0.feed == "core.clean_villages" }.count, 1)
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_villages"), 3)
    }

    /// Two feeds' passes run at once: one held up (its clean table locked by the test) does not hold back the next
    /// feed whose load ends.
    func testAFeedsPassDoesNotWaitForAnotherFeedsPassStillRunning() async throws {
        try earlyPipeline()
        let first = await (try PipelineRun.start(request("early"), log: .silent)).execute()
        XCTAssertEqual(first.outcome, .succeeded, first.summary)

        // towns' pass will wait on its clean table, locked here; villages reads a named pipe and ends after towns.
        try csv("towns.csv", rows: 7)
        let holder = try database.connect()
        defer { holder.close() }
        try holder.simpleExecute("BEGIN; LOCK TABLE core.clean_towns IN ACCESS EXCLUSIVE MODE")
        let writer = try villagesPipe()
        let run = try PipelineRun.start(request("early"), log: .silent)
        let execution = Task.detached { await run.execute() }

        nonisolated(unsafe) let test = self  // used by the waiting thread alone until it returns
        try await offPool {
            try test.waitUntil("towns loaded", changesOf: "citypipe.feed_runs") {
                try test.count("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'towns' AND status = 'succeeded'") == 2
            }
        }
        send("code,name,updated_at\nC1,Thôn 1,2025-09-01T08:00:00+07:00\nC3,Thôn 3,2025-09-02T08:00:00+07:00\n", to: writer)
        // villages is normalised while towns' pass still waits for its table.
        try await offPool {
            try test.waitUntil("villages normalised beside towns' pass", changesOf: "citypipe.transform_state") {
                try test.count("SELECT count(*) FROM core.clean_villages") == 3
            }
        }
        try holder.simpleExecute("ROLLBACK")
        let result = await execution.value
        XCTAssertEqual(result.outcome, .succeeded, result.summary)
        XCTAssertEqual(result.results.filter { $0.feed == "core.clean_towns" }.count, 1, "towns normalised once, early")
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_towns"), 7)
    }

    /// The pipeline's `settings` are set in the run's sessions: a model built by the run sees them (over the model
    /// builder's own), and the server's defaults stay as they were for everyone else.
    func testThePipelinesSettingsReachTheSessionsOfTheRun() async throws {
        try """
            name: tuned
            settings:
              max_parallel_workers_per_gather: 0
              work_mem: 40MB
              random_page_cost: 1.5
            steps:
              - name: load
                ingest: [towns]
              - name: transform
                transform: {}
            """.write(to: scratch.appendingPathComponent("Pipelines/tuned.yaml"), atomically: true, encoding: .utf8)
        let models = scratch.appendingPathComponent("Pipelines/models/core")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try """
            -- unique_key: code
            SELECT t.code, current_setting('max_parallel_workers_per_gather') AS workers, current_setting('work_mem') AS work_mem,
                   current_setting('random_page_cost') AS page_cost, current_setting('jit') AS jit
            FROM core.clean_towns AS t
            """.write(to: models.appendingPathComponent("town_settings.sql"), atomically: true, encoding: .utf8)
        let result = await (try PipelineRun.start(request("tuned"), log: .silent)).execute()
        XCTAssertEqual(result.outcome, .succeeded, result.summary)
        XCTAssertEqual(
            try connection.query("SELECT DISTINCT concat_ws(' ', workers, work_mem, page_cost, jit) AS s FROM core.town_settings")
                .map { try $0.decode(String.self, "s") },
            ["0 40MB 1.5 off"], "the pipeline's, and the model builder's own where the pipeline sets none")
        XCTAssertEqual(try count("SELECT count(*) FROM core.town_settings"), 5)
        XCTAssertNotEqual(try connection.query("SHOW work_mem")[0].decode(String.self, at: 0), "40MB", "another session keeps the server's")
    }

    /// A model that reads only clean tables normalised in this run is built as soon as they are, while another feed
    /// still loads; one that reads that feed waits for the transform step; the transform step finds the first one
    /// with nothing left to do.
    func testAModelOfNormalisedTablesIsBuiltWhileAnotherFeedStillLoads() async throws {
        try earlyPipeline()
        let models = scratch.appendingPathComponent("Pipelines/models/core")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try """
            -- unique_key: code
            -- materialized: incremental
            -- incremental_keys: SELECT code FROM {{ changes('core.clean_towns') }}
            SELECT code, name FROM core.clean_towns WHERE _deleted_at IS NULL AND {{ affected('code') }}
            """.write(to: models.appendingPathComponent("town_list.sql"), atomically: true, encoding: .utf8)
        try """
            -- unique_key: code
            SELECT code FROM {{ ref('core.town_list') }} UNION SELECT code FROM core.clean_villages
            """.write(to: models.appendingPathComponent("places.sql"), atomically: true, encoding: .utf8)
        let first = await (try PipelineRun.start(request("early"), log: .silent)).execute()
        XCTAssertEqual(first.outcome, .succeeded, first.summary)
        XCTAssertEqual(try count("SELECT count(*) FROM core.town_list"), 5)

        try csv("towns.csv", rows: 7)
        let writer = try villagesPipe()
        let run = try PipelineRun.start(request("early"), log: .silent)
        let execution = Task.detached { await run.execute() }

        nonisolated(unsafe) let test = self  // used by the waiting thread alone until it returns
        try await offPool {
            try test.waitUntil("town_list built early", changesOf: "citypipe.model_runs") {
                try test.count("SELECT count(*) FROM core.town_list") == 7
            }
        }
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'villages' AND status = 'running'"), 1)
        XCTAssertEqual(
            try count("SELECT count(*) FROM citypipe.model_runs WHERE model = 'core.places' AND run_id = (SELECT max(run_id) FROM citypipe.runs)"), 0,
            "places reads villages, still loading")

        send("code,name,updated_at\nC1,Thôn 1,2025-09-01T08:00:00+07:00\nV9,Thôn 9,2025-09-02T08:00:00+07:00\n", to: writer)
        let result = await execution.value
        XCTAssertEqual(result.outcome, .succeeded, result.summary)
        XCTAssertEqual(result.results.filter { $0.feed == "core.town_list" }.count, 1, "the transform step's build is the run's result")
        let runs = try connection.query(
            """
            SELECT rows_built::int AS rows, mode FROM citypipe.model_runs
            WHERE model = 'core.town_list' AND run_id = (SELECT max(run_id) FROM citypipe.runs) ORDER BY model_run_id
            """).map { "\(try $0.decode(String.self, "mode")) \(try $0.decode(Int.self, "rows"))" }
        XCTAssertEqual(runs, ["incremental 2", "incremental 0"], "built early with the two new towns, then nothing left")
        XCTAssertEqual(try count("SELECT count(*) FROM core.places"), 8, "7 towns and the village V9 (the villages C1 and C2 share codes with towns)")
    }

    /// A second feed, `villages` (2 rows), and the pipeline `early`: both feeds loaded in one step, then the transform.
    private func earlyPipeline() throws {
        try fileFeed("villages", file: "villages.csv")
        try csv("villages.csv", rows: 2)
        try """
            name: early
            concurrency: 2
            steps:
              - name: load
                ingest: [towns, villages]
              - name: transform
                transform: {}
            """.write(to: scratch.appendingPathComponent("Pipelines/early.yaml"), atomically: true, encoding: .utf8)
    }

    /// `villages.csv` made a named pipe, opened for writing: the feed's next load lasts until `send` closes it.
    private func villagesPipe() throws -> Int32 {
        let fifo = scratch.appendingPathComponent("files/villages.csv").path
        try FileManager.default.removeItem(atPath: fifo)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = open(fifo, O_RDWR)  // Linux: opens at once, so the loader's open does not wait for a writer
        XCTAssertGreaterThanOrEqual(writer, 0)
        return writer
    }

    /// Writes `text` to the pipe and closes it: the load reads it and ends.
    private func send(_ text: String, to writer: Int32) {
        XCTAssertEqual(text.utf8CString.withUnsafeBufferPointer { write(writer, $0.baseAddress, $0.count - 1) }, text.utf8.count)
        close(writer)
    }

    /// Runs blocking work (a wait on the database) off Swift's cooperative pool, which the run's loads share.
    private func offPool(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
