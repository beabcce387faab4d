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
}
