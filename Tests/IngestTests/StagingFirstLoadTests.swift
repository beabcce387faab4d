import Foundation
import Ingest
import Postgres
import XCTest

/// A first load (the staging table is empty) COPYs straight into staging; it must end exactly as the MERGE would.
extension StagingLoadTests {
    func testAFirstLoadKeepsTheLastRecordOfAKeyAcrossBatches() throws {
        let load = try StagingLoad(connection: connection, schema: people, runID: runID, mode: .snapshot, maxRejectRatio: 0.5)
        try load.append([person(1, "A", "a1"), person(2, "B", "b"), person(3, "A", "a2")])
        try load.append([person(4, "C", "c"), person(5, "A", "a3")])
        try load.append([person(6, "B", "b2"), person(7, "D", "d")],
            rejects: [RejectedRecord(position: 8, field: "birth_date", reason: "not a date", raw: "x", key: ["E"])])
        let report = try load.commit()
        XCTAssertEqual(report.rowsStaged, 4)
        XCTAssertEqual(report.rowsUnchanged, 0)
        XCTAssertEqual(report.rowsDeleted, 0)
        XCTAssertEqual(report.rowsRejected, 1)
        XCTAssertEqual(try staged(), ["A": "a3", "B": "b2", "C": "c", "D": "d"])
        XCTAssertEqual(try int("SELECT count(*) FROM staging.people WHERE _run_id = $1 AND _hash LIKE 'v2:%'", [runID]), 4)
        XCTAssertEqual(
            try int("SELECT count(*) FROM pg_index WHERE indrelid = 'staging.people'::regclass AND indisprimary"), 1,
            "the table created by the load gets its primary key before the load commits")
    }

    func testRowsHashedByTheServerBeforeAreStillRecognised() throws {
        let records = [person(1, "A", "a"), person(2, "B", "b")]
        _ = try load(records)
        // As staged by an earlier version: md5 of the row computed by the server.
        try connection.query(
            """
            UPDATE staging.people SET _hash = md5(ROW(citizen_id, full_name, birth_date, updated_at, _extra)::text)
            """)
        let before = try connection.query("SELECT string_agg(xmin::text, ',' ORDER BY citizen_id) AS x FROM staging.people")[0]
            .decode(String.self, "x")
        let again = try load(records + [person(3, "C", "c")])
        XCTAssertEqual(again.rowsStaged, 1)
        XCTAssertEqual(again.rowsUnchanged, 2)
        let after = try connection.query(
            "SELECT string_agg(xmin::text, ',' ORDER BY citizen_id) AS x FROM staging.people WHERE citizen_id <> 'C'")[0]
            .decode(String.self, "x")
        XCTAssertEqual(before, after)
    }

    func testAFirstLoadOverTheRejectRatioLeavesStagingEmpty() throws {
        let rejects = (2...4).map {
            RejectedRecord(position: $0, field: "citizen_id", reason: "11 digits, 12 expected", raw: "raw \($0)", key: nil)
        }
        XCTAssertThrowsError(try load([person(1, "A", "a"), person(5, "E", "e")], rejects: rejects, cursor: "c1", ratio: 0.2))
        XCTAssertEqual(try staged(), [:])
        XCTAssertEqual(try int("SELECT count(*) FROM pg_index WHERE indrelid = 'staging.people'::regclass AND indisprimary"), 1)
        XCTAssertEqual(try int("SELECT count(*) FROM citypipe.rejects WHERE feed = 'people'"), 3)
        XCTAssertEqual(try int("SELECT count(*) FROM citypipe.feed_state WHERE feed = 'people'"), 0)
    }

    func testAnEmptyTableThatExistsIsLoadedStraightToo() throws {
        _ = try load([person(1, "A", "a")])
        try connection.query("DELETE FROM staging.people")
        let report = try load([person(1, "A", "a2"), person(2, "B", "b"), person(3, "A", "a3")])
        XCTAssertEqual(report.rowsStaged, 2)
        XCTAssertEqual(try staged(), ["A": "a3", "B": "b"])
    }

    func testAFirstLoadCutOffBeforeCommitStagesNothing() throws {
        let load = try StagingLoad(connection: connection, schema: people, runID: runID, mode: .incremental, maxRejectRatio: 0)
        try load.append([person(1, "A", "a"), person(2, "B", "b")])
        connection.close()
        connection = try database.connect()
        XCTAssertEqual(try int("SELECT count(*) FROM pg_tables WHERE schemaname = 'staging' AND tablename = 'people'"), 0)
    }
}
