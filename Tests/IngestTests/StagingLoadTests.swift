import Foundation
import Ingest
import Postgres
import TestSupport
import Warehouse
import XCTest

final class StagingLoadTests: DatabaseTestCase {
    override var databasePrefix: String { "staging" }

    var runID: Int64 = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Migrator().migrate(connection, try Warehouse.migrations())
        runID = try RunLedger.start(connection, pipeline: "test", kind: .ingest)
    }

    let people = try! StagingSchema(
        feed: "people",
        columns: [
            .init(name: "citizen_id", sqlType: "text"), .init(name: "full_name", sqlType: "text"),
            .init(name: "birth_date", sqlType: "date"), .init(name: "updated_at", sqlType: "timestamptz"),
        ],
        primaryKey: ["citizen_id"])

    func person(_ position: Int, _ id: String, _ name: String, extra: String? = nil) -> StagedRecord {
        StagedRecord(position: position, values: [id, name, "1990-03-05", "2025-07-01 08:00:00+07"], extra: extra)
    }

    func load(
        _ records: [StagedRecord], rejects: [RejectedRecord] = [], mode: StagingLoad.Mode = .incremental,
        schema: StagingSchema? = nil, cursor: String? = nil, ratio: Double = 0.1
    ) throws -> StagingLoad.Report {
        let load = try StagingLoad(
            connection: connection, schema: schema ?? people, runID: runID, mode: mode, maxRejectRatio: ratio)
        try load.append(records, rejects: rejects)
        return try load.commit(cursorField: "updated_at", cursor: cursor)
    }

    func staged() throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try connection.query("SELECT citizen_id, full_name FROM staging.people WHERE _deleted_at IS NULL") {
            result[try row.decode(String.self, "citizen_id")] = try row.decode(String.self, "full_name")
        }
        return result
    }

    func int(_ sql: String, _ parameters: [any PostgresBindable] = []) throws -> Int {
        try connection.query(sql, parameters)[0].decode(Int.self, at: 0)
    }

    func testAFirstLoadStagesEveryRecordAndMovesTheCursor() throws {
        let report = try load(
            [person(1, "027090000001", "Nguyễn Văn An"), person(2, "024190000002", "Trần Thị Bình", extra: #"{"nickname": "Bi"}"#)],
            cursor: "2025-07-01T08:00:00+07:00")
        XCTAssertEqual(report.rowsStaged, 2)
        XCTAssertEqual(report.rowsUnchanged, 0)
        XCTAssertEqual(try staged(), ["027090000001": "Nguyễn Văn An", "024190000002": "Trần Thị Bình"])
        XCTAssertEqual(
            try connection.query("SELECT _extra->>'nickname' AS n FROM staging.people WHERE citizen_id = '024190000002'")[0]
                .decode(String.self, "n"), "Bi", "undeclared fields are kept in _extra")
        let state = try connection.query("SELECT cursor_value, last_run_id FROM citypipe.feed_state WHERE feed = 'people'")[0]
        XCTAssertEqual(try state.decode(String.self, "cursor_value"), "2025-07-01T08:00:00+07:00")
        XCTAssertEqual(try state.decode(Int64.self, "last_run_id"), runID)
        let run = try connection.query("SELECT status, rows_in, rows_staged, cursor_after, duration > interval '0' AS timed FROM citypipe.feed_runs WHERE feed_run_id = $1", [report.feedRunID])[0]
        XCTAssertEqual(try run.decode(Bool.self, "timed"), true, "finished_at is the wall clock at commit, not the transaction's start")
        XCTAssertEqual(try run.decode(String.self, "status"), "succeeded")
        XCTAssertEqual(try run.decode(Int.self, "rows_staged"), 2)
        XCTAssertEqual(try run.decode(String.self, "cursor_after"), "2025-07-01T08:00:00+07:00")
    }

    /// The first load COPYs straight into staging and the second MERGEs: both must hash rows alike (an `_extra`
    /// included), or the second would rewrite everything.
    func testASecondIdenticalLoadRewritesNothing() throws {
        let records = [person(1, "027090000001", "Nguyễn Văn An"), person(2, "024190000002", "Trần Thị Bình", extra: #"{"x": "1"}"#)]
        _ = try load(records)
        let before = try connection.query("SELECT string_agg(xmin::text, ',' ORDER BY citizen_id) AS x FROM staging.people")[0]
            .decode(String.self, "x")
        let again = try load(records)
        XCTAssertEqual(again.rowsStaged, 0)
        XCTAssertEqual(again.rowsUnchanged, 2)
        let after = try connection.query("SELECT string_agg(xmin::text, ',' ORDER BY citizen_id) AS x FROM staging.people")[0]
            .decode(String.self, "x")
        XCTAssertEqual(before, after, "unchanged rows are not rewritten")
    }

    func testAChangedRecordReplacesItsStagedRow() throws {
        _ = try load([person(1, "027090000001", "Nguyễn Văn An"), person(2, "024190000002", "Trần Thị Bình")])
        let report = try load([person(1, "027090000001", "Nguyễn Văn Ân")])
        XCTAssertEqual(report.rowsStaged, 1)
        XCTAssertEqual(try staged()["027090000001"], "Nguyễn Văn Ân")
        XCTAssertEqual(try staged().count, 2, "an incremental load deletes nothing")
    }

    func testTheLastRecordOfAKeyWinsWithinALoad() throws {
        let report = try load([
            person(1, "027090000001", "first"), person(2, "027090000001", "second"), person(3, "027090000001", "third"),
        ])
        XCTAssertEqual(report.rowsStaged, 1)
        XCTAssertEqual(try staged(), ["027090000001": "third"])
    }

    func testASnapshotMarksMissingRecordsDeletedButNotRejectedOnes() throws {
        _ = try load(
            [person(1, "A", "a"), person(2, "B", "b"), person(3, "C", "c")], mode: .snapshot)
        let report = try load(
            [person(1, "A", "a")],
            rejects: [RejectedRecord(position: 2, field: "birth_date", reason: "not a date", raw: "B;b;31/02/1990", key: ["B"])],
            mode: .snapshot, ratio: 0.5)
        XCTAssertEqual(report.rowsDeleted, 1)
        XCTAssertEqual(try staged().keys.sorted(), ["A", "B"], "C left the source; B was rejected, not gone")
        XCTAssertEqual(try int("SELECT count(*) FROM staging.people WHERE _deleted_at IS NOT NULL"), 1)
        // C comes back: it is undeleted.
        let back = try load([person(1, "A", "a"), person(2, "B", "b"), person(3, "C", "c")], mode: .snapshot)
        XCTAssertEqual(back.rowsStaged, 1)
        XCTAssertEqual(try staged().count, 3)
    }

    /// A snapshot load knows the staged rows (`KnownRows`): an unchanged record is counted and not sent; a changed,
    /// new or repeated key takes the MERGE (the last record of a key still wins); a row no record named is marked
    /// deleted by its place.
    func testASnapshotSendsOnlyWhatChangedAndTheLastRecordOfAKeyStillWins() throws {
        _ = try load([person(1, "A", "a"), person(2, "B", "b"), person(3, "C", "c"), person(4, "D", "d")], mode: .snapshot)
        let untouched = try connection.query("SELECT xmin::text AS x FROM staging.people WHERE citizen_id = 'A'")[0].decode(String.self, "x")
        let report = try load(
            [person(1, "A", "a"), person(2, "B", "b2"), person(3, "D", "d"), person(4, "E", "e"), person(5, "D", "d2")], mode: .snapshot)
        XCTAssertEqual(report.rowsStaged, 3, "B changed, D's last record changed it, E is new")
        XCTAssertEqual(report.rowsUnchanged, 1, "A; D's first record was unchanged but not its last")
        XCTAssertEqual(report.rowsNotSent, 1, "A was known unchanged and not sent")
        XCTAssertEqual(report.rowsDeleted, 1, "C")
        XCTAssertEqual(try staged(), ["A": "a", "B": "b2", "D": "d2", "E": "e"])
        XCTAssertEqual(
            try connection.query("SELECT xmin::text AS x FROM staging.people WHERE citizen_id = 'A'")[0].decode(String.self, "x"), untouched,
            "an unchanged row is not rewritten")

        // A changed record followed by one equal to the staged row: the last wins, nothing changes.
        let again = try load(
            [person(1, "A", "a"), person(2, "B", "b2"), person(3, "D", "d3"), person(4, "D", "d2"), person(5, "E", "e")], mode: .snapshot)
        XCTAssertEqual(again.rowsStaged, 0)
        XCTAssertEqual(again.rowsUnchanged, 4)
        XCTAssertEqual(again.rowsNotSent, 3, "A, B and E; D's two records went to the MERGE")
        XCTAssertEqual(again.rowsDeleted, 0)
        XCTAssertEqual(try staged(), ["A": "a", "B": "b2", "D": "d2", "E": "e"])

        // Rows staged with an older hash (md5, before client hashes) are compared by the MERGE, never skipped.
        try connection.simpleExecute("UPDATE staging.people SET _hash = md5(citizen_id) WHERE citizen_id = 'E'")
        let legacy = try load(
            [person(1, "A", "a"), person(2, "B", "b2"), person(3, "D", "d2"), person(4, "E", "e")], mode: .snapshot)
        XCTAssertEqual(legacy.rowsUnchanged + legacy.rowsStaged, 4)
        XCTAssertEqual(legacy.rowsNotSent, 3, "E's md5 hash never matches")
        XCTAssertEqual(legacy.rowsDeleted, 0)
        XCTAssertEqual(try staged(), ["A": "a", "B": "b2", "D": "d2", "E": "e"])

        // Keys COPY writes escaped (a backslash, a tab) are read back as text, the others from their bytes; both
        // find the record the encoder hashed, Vietnamese letters included.
        let odd = [person(1, "X\\Y", "x"), person(2, "T\tU", "t"), person(3, "Đặng", "đ"), person(4, "A", "a")]
        _ = try load(odd, mode: .snapshot)
        let oddAgain = try load(odd, mode: .snapshot)
        XCTAssertEqual(oddAgain.rowsNotSent, 4, "every key found, escaped or not")
        XCTAssertEqual(oddAgain.rowsStaged, 0)
        XCTAssertEqual(oddAgain.rowsDeleted, 0)
        XCTAssertEqual(try staged(), ["X\\Y": "x", "T\tU": "t", "Đặng": "đ", "A": "a"])
    }

    func testOverTheRejectRatioNothingIsStagedAndTheRejectsStay() throws {
        _ = try load([person(1, "A", "a")], cursor: "c1")
        let rejects = (2...4).map {
            RejectedRecord(position: $0, field: "citizen_id", reason: "11 digits, 12 expected", raw: "raw \($0)", key: nil)
        }
        XCTAssertThrowsError(try load([person(1, "A", "changed"), person(5, "E", "e")], rejects: rejects, cursor: "c2", ratio: 0.2)) {
            error in
            guard case StagingError.rejectRatioExceeded(_, let rejected, let total, _) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(rejected, 3)
            XCTAssertEqual(total, 5)
            XCTAssertFalse(String(describing: error).contains("raw"), "no raw values in the message")
        }
        XCTAssertEqual(try staged(), ["A": "a"], "staging stays as it was")
        XCTAssertEqual(
            try connection.query("SELECT cursor_value FROM citypipe.feed_state WHERE feed = 'people'")[0].decode(String.self, "cursor_value"),
            "c1", "the cursor did not move")
        XCTAssertEqual(try int("SELECT count(*) FROM citypipe.rejects WHERE feed = 'people' AND field = 'citizen_id'"), 3)
        XCTAssertEqual(try int("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'people' AND status = 'failed'"), 1)
    }

    func testALoadCutOffBeforeCommitLeavesStagingAndCursorAsTheyWere() throws {
        _ = try load([person(1, "A", "a")], cursor: "c1")
        let load = try StagingLoad(connection: connection, schema: people, runID: runID, mode: .snapshot, maxRejectRatio: 0)
        try load.append([person(1, "A", "changed"), person(2, "B", "b")])
        // The process dies here: its session ends without COMMIT.
        connection.close()
        connection = try database.connect()
        XCTAssertEqual(try staged(), ["A": "a"])
        XCTAssertEqual(
            try connection.query("SELECT cursor_value FROM citypipe.feed_state WHERE feed = 'people'")[0].decode(String.self, "cursor_value"), "c1")
        XCTAssertEqual(try int("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'people' AND status = 'running'"), 1,
            "the cut-off load's feed_runs row stays running until the next load of the feed")
        _ = try self.load([person(1, "A", "a"), person(2, "B", "b")])
        XCTAssertEqual(try int("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'people' AND status = 'running'"), 0)
        XCTAssertEqual(try int("SELECT count(*) FROM citypipe.feed_runs WHERE feed = 'people' AND error LIKE 'abandoned%'"), 1)
        XCTAssertEqual(try staged(), ["A": "a", "B": "b"])
    }

    func testOneFeedIsLoadedByOneProcessAtATime() throws {
        let other = try database.connect()
        defer { other.close() }
        let first = try StagingLoad(connection: connection, schema: people, runID: runID, mode: .incremental, maxRejectRatio: 0)
        XCTAssertThrowsError(try StagingLoad(connection: other, schema: people, runID: runID, mode: .incremental, maxRejectRatio: 0)) {
            guard case StagingError.busy(let feed) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(feed, "people")
        }
        try first.append([person(1, "A", "a")])
        _ = try first.commit()
        XCTAssertNoThrow(try StagingLoad(connection: other, schema: people, runID: runID, mode: .incremental, maxRejectRatio: 0).abort(reason: "test"))
    }

    /// Review defect (issue 15): a connection lost while taking the feed's lock was reported as "another process
    /// is loading it now", sending the operator to wait for a load that does not exist.
    func testALostConnectionWhileTakingTheLockIsADatabaseErrorNotBusy() throws {
        let victim = try database.connect()
        defer { victim.close() }
        _ = try connection.query("SELECT pg_terminate_backend($1::int)", [Int(victim.backendPID)])
        XCTAssertThrowsError(try StagingLoad(connection: victim, schema: people, runID: runID, mode: .incremental, maxRejectRatio: 0)) {
            guard case StagingError.database(let feed, _) = $0 else { return XCTFail("reported as \($0)") }
            XCTAssertEqual(feed, "people")
            XCTAssertFalse(String(describing: $0).contains("another process"))
        }
        XCTAssertThrowsError(try StagingLoad(connection: victim, schema: people, runID: runID, mode: .window(column: "name", from: "a", to: "b"), maxRejectRatio: 0)) {
            guard case StagingError.database = $0 else { return XCTFail("a window load reported it as \($0)") }
        }
    }

    func testAbortRollsBackAndMarksTheFeedRunFailed() throws {
        let load = try StagingLoad(connection: connection, schema: people, runID: runID, mode: .incremental, maxRejectRatio: 0)
        try load.append([person(1, "A", "a")])
        load.abort(reason: "HTTP 503 after 5 attempts")
        XCTAssertEqual(
            try int("SELECT count(*) FROM pg_tables WHERE schemaname = 'staging' AND tablename = 'people'"), 0,
            "even the table made by the aborted load is rolled back")
        XCTAssertEqual(
            try connection.query("SELECT error FROM citypipe.feed_runs WHERE feed_run_id = $1", [load.feedRunID])[0].decode(String.self, "error"),
            "HTTP 503 after 5 attempts")
        XCTAssertThrowsError(try load.commit())
    }

    func testDriftPoliciesForANewColumn() throws {
        _ = try load([person(1, "A", "a")])
        func widened(_ drift: StagingSchema.DriftPolicy) throws -> StagingSchema {
            try StagingSchema(feed: "people", columns: people.columns + [.init(name: "phone", sqlType: "text")],
                primaryKey: ["citizen_id"], drift: drift)
        }
        func record(_ phone: String) -> StagedRecord {
            StagedRecord(position: 1, values: ["A", "a", "1990-03-05", "2025-07-01 08:00:00+07", phone])
        }
        XCTAssertThrowsError(try load([record("+84381234567")], schema: try widened(.fail))) { error in
            XCTAssertTrue(String(describing: error).contains("phone"))
        }
        _ = try load([record("+84381234567")], schema: try widened(.ignore))
        XCTAssertEqual(
            try connection.query("SELECT _extra->>'phone' AS p FROM staging.people")[0].decode(String.self, "p"), "+84381234567",
            "ignored columns are kept in _extra")
        _ = try load([record("+84912345678")], schema: try widened(.propagate))
        XCTAssertEqual(try connection.query("SELECT phone FROM staging.people")[0].decode(String.self, "phone"), "+84912345678")
    }

    func testIncompatibleChangesAreRefused() throws {
        _ = try load([person(1, "A", "a")])
        let retyped = try StagingSchema(
            feed: "people", columns: [.init(name: "citizen_id", sqlType: "bigint")] + people.columns.dropFirst(),
            primaryKey: ["citizen_id"])
        XCTAssertThrowsError(try StagingLoad(connection: connection, schema: retyped, runID: runID, mode: .incremental, maxRejectRatio: 0)) {
            XCTAssertTrue(String(describing: $0).contains("citizen_id is text in the table"))
        }
        let rekeyed = try StagingSchema(feed: "people", columns: people.columns, primaryKey: ["citizen_id", "birth_date"])
        XCTAssertThrowsError(try StagingLoad(connection: connection, schema: rekeyed, runID: runID, mode: .incremental, maxRejectRatio: 0)) {
            XCTAssertTrue(String(describing: $0).contains("primary key"))
        }
        XCTAssertFalse(connection.isInTransaction)
    }

    func testSchemasAreChecked() {
        XCTAssertThrowsError(try StagingSchema(feed: "Bad-Name", columns: [.init(name: "a", sqlType: "text")], primaryKey: ["a"]))
        XCTAssertThrowsError(try StagingSchema(feed: "f", columns: [.init(name: "a", sqlType: "varchar(5); DROP")], primaryKey: ["a"]))
        XCTAssertThrowsError(try StagingSchema(feed: "f", columns: [.init(name: "a", sqlType: "text")], primaryKey: ["b"]))
        XCTAssertThrowsError(try StagingSchema(feed: "f", columns: [.init(name: "_hash", sqlType: "text")], primaryKey: ["_hash"]))
    }

    func testKeyHashIsStableAndHidesNothingItShouldNot() {
        let reject = RejectedRecord(position: 1, field: nil, reason: "x", raw: nil, key: ["027090000001"])
        XCTAssertEqual(reject.keyHash, RejectedRecord(position: 9, field: "f", reason: "y", raw: "z", key: ["027090000001"]).keyHash)
        XCTAssertEqual(reject.keyHash?.count, 16)
        XCTAssertFalse(reject.keyHash?.contains("027090000001") ?? true)
    }
}

/// Backfill windows: a window load replaces exactly its window; window loads share the feed's lock with each
/// other, never with a nightly load.
final class StagingWindowTests: DatabaseTestCase {
    override var databasePrefix: String { "window" }

    var runID: Int64 = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Migrator().migrate(connection, try Warehouse.migrations())
        runID = try RunLedger.start(connection, pipeline: "test", kind: .backfill)
    }

    let events = try! StagingSchema(
        feed: "events",
        columns: [.init(name: "id", sqlType: "text"), .init(name: "note", sqlType: "text"), .init(name: "happened_at", sqlType: "timestamptz")],
        primaryKey: ["id"])

    func event(_ position: Int, _ id: String, _ note: String, _ day: Int) -> StagedRecord {
        StagedRecord(position: position, values: [id, note, "2025-09-0\(day) 12:00:00+07"], extra: nil)
    }

    let september2 = StagingLoad.Mode.window(column: "happened_at", from: "2025-09-02T00:00:00+07:00", to: "2025-09-03T00:00:00+07:00")

    func live() throws -> [String] {
        try connection.query("SELECT id || ':' || note AS x FROM staging.events WHERE _deleted_at IS NULL ORDER BY id")
            .map { try $0.decode(String.self, "x") }
    }

    func testAWindowLoadReplacesExactlyItsWindowAndLeavesTheCursorAlone() throws {
        let nightly = try StagingLoad(connection: connection, schema: events, runID: runID, mode: .incremental, maxRejectRatio: 0)
        try nightly.append([event(1, "a", "day1", 1), event(2, "b", "day2", 2), event(3, "c", "day2", 2), event(4, "d", "day3", 3)])
        _ = try nightly.commit(cursorField: "happened_at", cursor: "2025-09-03T12:00:00+07:00")

        // The source now sends, for 2 September, b changed and e new; c is gone from it.
        let window = try StagingLoad(connection: connection, schema: events, runID: runID, mode: september2, maxRejectRatio: 0)
        try window.append([event(1, "b", "day2-fixed", 2), event(2, "e", "day2", 2)])
        let report = try window.commit(updateFeedState: false) { c, report in
            try c.query("CREATE TABLE seen_in_transaction AS SELECT $1::bigint AS staged", [report.rowsStaged])
        }
        XCTAssertEqual(report.rowsStaged, 2)
        XCTAssertEqual(report.rowsDeleted, 1, "c left the window")
        XCTAssertEqual(try live(), ["a:day1", "b:day2-fixed", "d:day3", "e:day2"])
        XCTAssertEqual(try connection.query("SELECT staged FROM seen_in_transaction")[0].decode(Int.self, "staged"), 2,
                       "the alongside work committed with the load")
        XCTAssertEqual(
            try connection.query("SELECT cursor_value FROM citypipe.feed_state WHERE feed = 'events'")[0].decode(String.self, "cursor_value"),
            "2025-09-03T12:00:00+07:00")
    }

    func testWindowLoadsShareTheFeedsLockButNotWithANightlyLoad() throws {
        // The table exists already (a first load creates it, and a second load waits for that to commit).
        let setup = try StagingLoad(connection: connection, schema: events, runID: runID, mode: .incremental, maxRejectRatio: 0)
        _ = try setup.commit()
        let other = try database.connect()
        defer { other.close() }
        let first = try StagingLoad(connection: connection, schema: events, runID: runID, mode: september2, maxRejectRatio: 0)
        let september3 = StagingLoad.Mode.window(column: "happened_at", from: "2025-09-03T00:00:00+07:00", to: "2025-09-04T00:00:00+07:00")
        let second = try StagingLoad(connection: other, schema: events, runID: runID, mode: september3, maxRejectRatio: 0)
        let third = try database.connect()
        defer { third.close() }
        XCTAssertThrowsError(try StagingLoad(connection: third, schema: events, runID: runID, mode: .incremental, maxRejectRatio: 0)) {
            guard case StagingError.busy = $0 else { return XCTFail("\($0)") }
        }
        try first.append([event(1, "x", "day2", 2)])
        try second.append([event(1, "y", "day3", 3)])
        _ = try first.commit(updateFeedState: false)
        _ = try second.commit(updateFeedState: false)
        XCTAssertEqual(try live(), ["x:day2", "y:day3"])
        let nightly = try StagingLoad(connection: third, schema: events, runID: runID, mode: .incremental, maxRejectRatio: 0)
        nightly.abort(reason: "test")
    }

    func testTheRejectRatioIsComputedOverAtLeastTheFloor() throws {
        let rejects = [RejectedRecord(position: 3, field: "happened_at", reason: "bad date", raw: nil)]
        let lenient = try StagingLoad(
            connection: connection, schema: events, runID: runID, mode: september2, maxRejectRatio: 0.02, rejectRatioFloor: 100)
        try lenient.append([event(1, "b", "day2", 2), event(2, "e", "day2", 2)], rejects: rejects)
        XCTAssertEqual(try lenient.commit(updateFeedState: false).rowsRejected, 1, "1 of 3, counted as 1 of 100: under 2 %")
        let strict = try StagingLoad(
            connection: connection, schema: events, runID: runID, mode: september2, maxRejectRatio: 0.02, rejectRatioFloor: 0)
        try strict.append([event(1, "b", "day2", 2), event(2, "e", "day2", 2)], rejects: rejects)
        XCTAssertThrowsError(try strict.commit(updateFeedState: false))
    }
}
