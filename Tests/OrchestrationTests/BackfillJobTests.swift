import Foundation
import Ingest
import Manifest
import Orchestration
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `BackfillJob` started in-process: the feed's lock, the ledger, what it refuses.
final class BackfillJobTests: OrchestrationTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try fileFeed("towns", file: "towns.csv")
        try csv("towns.csv", rows: 3)
    }

    func request(from: String = "2025-09-01", to: String = "2025-09-03") -> BackfillRequest {
        BackfillRequest(feed: "towns", from: from, to: to, step: .day, connectors: connectors, conninfo: database.url)
    }

    func backfillRuns() throws -> Int {
        try count("SELECT count(*) FROM citypipe.runs WHERE kind = 'backfill'")
    }

    func testABackfillWhileTheFeedsLockIsHeldElsewhereIsBusy() throws {
        let holder = try database.connect()
        defer { holder.close() }
        XCTAssertTrue(try holder.tryAdvisoryLock(named: BackfillLedger.lockName("towns")))
        XCTAssertThrowsError(try BackfillJob.start(request(), log: .silent)) { error in
            guard case .busy(let text) = error as? OrchestrationError else { return XCTFail("expected busy, got \(error)") }
            XCTAssertTrue(text.contains("another backfill of towns is running"), text)
        }
        XCTAssertThrowsError(try BackfillJob.dryRun(request())) { error in
            guard case .busy = error as? OrchestrationError else { return XCTFail("expected busy, got \(error)") }
        }
        XCTAssertEqual(try backfillRuns(), 0, "nothing recorded")
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.backfills"), 0)
    }

    func testASecondBackfillNamesTheStartedOneAndADroppedOneCanBeResumed() throws {
        let firstRun: Int64
        let firstBackfill: Int64
        do {
            let first = try BackfillJob.start(request(), log: .silent)
            XCTAssertEqual(first.windowCount, 3)
            firstRun = first.runID
            firstBackfill = first.backfillID
            XCTAssertThrowsError(try BackfillJob.start(request(), log: .silent)) { error in
                guard case .busy(let text) = error as? OrchestrationError else { return XCTFail("expected busy, got \(error)") }
                XCTAssertTrue(text.contains("backfill #\(first.backfillID) of towns is running as run #\(first.runID)"), text)
            }
            XCTAssertEqual(try backfillRuns(), 1, "no row for the refused start")
        }
        // Dropped unexecuted: recorded as aborted, its backfill interrupted, its lock free.
        XCTAssertTrue(try isFree(BackfillLedger.lockName("towns")))
        XCTAssertEqual(
            try connection.query("SELECT status FROM citypipe.runs WHERE run_id = $1", [firstRun]).map { try $0.decode(String.self, "status") },
            ["aborted"])
        XCTAssertEqual(
            try connection.query("SELECT status FROM citypipe.backfills WHERE backfill_id = $1", [firstBackfill])
                .map { try $0.decode(String.self, "status") },
            ["interrupted"])
        // Its windows were never loaded: the same range without --resume refuses to guess.
        XCTAssertThrowsError(try BackfillJob.start(request(), log: .silent)) { error in
            guard case .invalid(let text) = error as? OrchestrationError else { return XCTFail("expected invalid, got \(error)") }
            XCTAssertTrue(text.contains("add --resume"), text)
        }
    }

    func testARangeAlreadyLoadedIsNothingToDo() throws {
        let manifest = try BackfillJob.manifest(feed: "towns", connectors: connectors)
        let plan = try BackfillPlan(manifest: manifest, from: "2025-09-01", to: "2025-09-03", step: .day)
        let runID = try RunLedger.start(connection, pipeline: "backfill:towns", kind: .backfill)
        let backfill = try BackfillLedger.create(connection, plan: plan, runID: runID)
        try connection.query(
            "UPDATE citypipe.backfill_partitions SET status = 'succeeded', attempts = 1 WHERE backfill_id = $1", [backfill.id])
        try BackfillLedger.finish(connection, backfillID: backfill.id, status: "succeeded", runID: runID)
        try RunLedger.finish(connection, runID: runID, outcome: .succeeded)

        XCTAssertThrowsError(try BackfillJob.start(request(), log: .silent)) { error in
            guard case .nothingToDo(let text) = error as? OrchestrationError else { return XCTFail("expected nothingToDo, got \(error)") }
            XCTAssertTrue(text.contains("all 3 windows already loaded"), text)
        }
        XCTAssertEqual(try backfillRuns(), 1, "no new run")
        XCTAssertTrue(try isFree(BackfillLedger.lockName("towns")), "the lock is released")
        let dry = try BackfillJob.dryRun(request())
        XCTAssertTrue(dry.contains("3 windows, 0 to load (backfill #\(backfill.id), 0 unfinished)"), dry)
    }

    func testABadRangeIsInvalid() throws {
        XCTAssertThrowsError(try BackfillJob.start(request(from: "2025-09-03", to: "2025-09-01"), log: .silent)) { error in
            guard case .invalid(let text) = error as? OrchestrationError else { return XCTFail("expected invalid, got \(error)") }
            XCTAssertTrue(text.contains("before --from"), text)
        }
        XCTAssertThrowsError(try BackfillJob.start(BackfillRequest(feed: "towns", from: "2025-09-01", to: nil, conninfo: database.url), log: .silent)) { error in
            guard case .invalid = error as? OrchestrationError else { return XCTFail("expected invalid, got \(error)") }
        }
        XCTAssertThrowsError(try BackfillJob.start(BackfillRequest(feed: "villages", from: "2025-09-01", to: "2025-09-02", connectors: connectors, conninfo: database.url), log: .silent)) { error in
            guard case .invalid(let text) = error as? OrchestrationError else { return XCTFail("expected invalid, got \(error)") }
            XCTAssertTrue(text.contains("no manifest"), text)
        }
        XCTAssertTrue(try isFree(BackfillLedger.lockName("towns")))
        XCTAssertEqual(try backfillRuns(), 0)
    }
}
