import Foundation
import Manifest
import Postgres
import TestSupport
@testable import Transform
import Warehouse
import XCTest

/// The normalise stage against the embedded PostgreSQL: staged rows in, `core.clean_FEED` out, by the semantics
/// of the manifest; failures kept as nulls with a flag and a reject; re-runs change nothing.
final class NormalizeStageTests: DatabaseTestCase {
    override var databasePrefix: String { "normalize" }

    var runID: Int64 = 0

    static let manifestText = """
        name: people
        kind: rest-json
        request: {url: "http://127.0.0.1:1/people"}
        incremental: {cursor_field: updated_at, parameter: since}
        primary_key: [citizen_id]
        fields:
          citizen_id: {path: id, type: text, semantic: vn_citizen_id, required: true}
          full_name: {path: name, type: text, semantic: vn_person_name}
          ward_code: {path: ward, type: text, semantic: vn_admin_unit}
          phone: {path: phone, type: text, semantic: vn_phone}
          employer: {path: employer, type: text, semantic: vn_tax_code}
          note: {path: note, type: text}
          updated_at: {path: updated, type: timestamptz}
        """

    var plan: FeedNormalization!

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrateSchema(connection)
        runID = try RunLedger.start(connection, pipeline: "test", kind: .transform)
        let loaded = ManifestLoader(knownSemantics: ["vn_citizen_id", "vn_person_name", "vn_admin_unit", "vn_phone", "vn_tax_code"])
            .load(yaml: Self.manifestText, file: "people.yaml")
        plan = FeedNormalization(manifest: try XCTUnwrap(loaded.manifest, "\(loaded.issues)"))
        try connection.simpleExecute(
            """
            CREATE TABLE staging.people (
                citizen_id text PRIMARY KEY, full_name text, ward_code text, phone text, employer text, note text,
                updated_at timestamptz, _extra jsonb, _run_id bigint, _loaded_at timestamptz NOT NULL DEFAULT now(),
                _hash text, _deleted_at timestamptz)
            """)
    }

    /// (citizen id, name, ward, phone, employer tax code, updated_at) as a source sends them.
    static let rows: [(String, String?, String?, String?, String?, String)] = [
        // NFD name, old ward code of Vũ Ninh before the reform, old 11-digit mobile.
        ("027090000001", "Nguye\u{0302}\u{0303}n  va\u{0306}n   an", "09163", "01681234567", "0100233488", "2024-06-01T08:00:00+07:00"),
        // After the reform the same digits 09169 are the new Phường Vũ Ninh.
        ("027190000002", "TRẦN THỊ BÌNH", "09169", "0912345678", "0100233488-001", "2025-09-01T08:00:00+07:00"),
        // A bad tax code (check digit) and an unknown ward: kept as nulls with flags.
        ("027090000003", "Lê Văn Cường", "99999", "0987654321", "0100233487", "2025-10-01T08:00:00+07:00"),
        ("027090000004", nil, nil, nil, nil, "2025-10-02T08:00:00+07:00"),
    ]

    func stage(_ rows: [(String, String?, String?, String?, String?, String)]) throws {
        for row in rows {
            try connection.query(
                """
                INSERT INTO staging.people (citizen_id, full_name, ward_code, phone, employer, note, updated_at, _hash, _loaded_at)
                VALUES ($1, $2, $3, $4, $5, 'n', $6::timestamptz, md5($1 || coalesce($2, '') || coalesce($3, '') || coalesce($5, '')), clock_timestamp())
                ON CONFLICT (citizen_id) DO UPDATE SET full_name = EXCLUDED.full_name, ward_code = EXCLUDED.ward_code, employer = EXCLUDED.employer,
                    _hash = EXCLUDED._hash, _loaded_at = clock_timestamp()
                """, [row.0, row.1, row.2, row.3, row.4, row.5])
        }
    }

    func normalise(workers: Int = 2, full: Bool = false, lanes: Bool = false) throws -> NormalizeStage.Report {
        let url = database.url
        var connect: (@Sendable () throws -> PostgresConnection)? = nil
        if lanes { connect = { @Sendable in try PostgresConnection.connect(url) } }
        return try NormalizeStage(plan: plan, workers: workers, batchSize: 100).run(connection, runID: runID, full: full, connect: connect)
    }

    func clean(_ id: String) throws -> PostgresRow {
        try XCTUnwrap(connection.query("SELECT *, array_to_string(_quality, ',') AS flags FROM core.clean_people WHERE citizen_id = $1", [id]).first)
    }

    func checksum() throws -> String {
        try connection.query("SELECT md5(string_agg(t::text, '|' ORDER BY citizen_id)) AS h FROM core.clean_people AS t")[0].decode(String.self, "h")
    }

    func testValuesAreNormalisedBySemanticAndFailuresFlaggedNotDropped() throws {
        try stage(Self.rows)
        let report = try normalise()
        XCTAssertEqual(report.rowsRead, 4)
        XCTAssertEqual(report.rowsWritten, 4)
        let first = try clean("027090000001")
        XCTAssertEqual(try first.decode(String.self, "full_name"), "Nguyễn Văn An")
        XCTAssertEqual(try first.decode(String.self, "full_name_key"), "nguyen van an")
        XCTAssertEqual(try first.decode(String.self, "ward_code"), "09169", "old Vũ Ninh (09163) is in new Vũ Ninh")
        XCTAssertEqual(try first.decode(String.self, "ward_code_old"), "09163")
        XCTAssertEqual(try first.decode(String.self, "phone"), "+84381234567", "016x → 03x (2018)")
        XCTAssertEqual(try first.decode(String.self, "citizen_id_norm"), "027090000001")
        XCTAssertEqual(try first.decode(String.self, "employer_parent"), "0100233488")
        XCTAssertNil(try first.decode(String?.self, "flags"))
        let second = try clean("027190000002")
        XCTAssertEqual(try second.decode(String.self, "full_name"), "Trần Thị Bình")
        XCTAssertEqual(try second.decode(String.self, "ward_code"), "09169")
        XCTAssertEqual(try second.decode(String.self, "employer"), "0100233488-001")
        XCTAssertEqual(try second.decode(String.self, "employer_parent"), "0100233488")
        let third = try clean("027090000003")
        XCTAssertNil(try third.decode(String?.self, "employer"))
        XCTAssertNil(try third.decode(String?.self, "ward_code"))
        XCTAssertEqual(try third.decode(String.self, "full_name"), "Lê Văn Cường", "the rest of the row is kept")
        XCTAssertEqual(try third.decode(String.self, "flags"), "ward_code:not_found,employer:checksum,_ward:unresolved",
                       "the field's failure, and the record's place left unresolved")
        XCTAssertNil(try third.decode(String?.self, "_ward"))
        XCTAssertEqual(try first.decode(String.self, "_ward"), "09169", "the record's place: its ward code")
        XCTAssertEqual(try first.decode(String.self, "_ward_rule"), "ward_code")
        let rejects = try connection.query(
            "SELECT field, reason, record_key_hash, raw FROM citypipe.rejects WHERE stage = 'transform' ORDER BY field")
        XCTAssertEqual(try rejects.map { try $0.decode(String.self, "field") }, ["employer", "ward_code"])
        for reject in rejects {
            XCTAssertNil(try reject.decode(String?.self, "raw"))
            XCTAssertFalse(try reject.decode(String.self, "reason").contains("0100233487"), "no value in the reason")
            XCTAssertFalse(try reject.decode(String.self, "record_key_hash").contains("027090000003"))
            XCTAssertEqual(try reject.decode(String.self, "record_key_hash"), RecordKeyHash.of(["027090000003"]),
                           "the same key hash as the ingest stage gives the record")
        }
        XCTAssertNil(try clean("027090000004").decode(String?.self, "flags"), "nulls are not failures")
    }

    func testRunningAgainChangesNothingAndChangesAndDeletionsFlowThrough() throws {
        try stage(Self.rows)
        _ = try normalise()
        let before = try checksum()
        let again = try normalise()
        XCTAssertEqual(again.rowsWritten, 0)
        XCTAssertEqual(try checksum(), before, "byte-identical")
        let full = try normalise(full: true)
        XCTAssertEqual(full.rowsRead, 4)
        XCTAssertEqual(full.rowsWritten, 0, "the same staged hashes: nothing rewritten")
        XCTAssertEqual(try checksum(), before)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.rejects WHERE stage = 'transform'")[0].decode(Int.self, "n"), 2,
                       "rejects of re-read rows replace the earlier ones")

        // The source fixes the name of 3 and drops 4.
        try stage([("027090000003", "Lê Văn Cường", "09169", "0987654321", "0100233488", "2025-10-03T08:00:00+07:00")])
        try connection.simpleExecute("UPDATE staging.people SET _deleted_at = clock_timestamp() WHERE citizen_id = '027090000004'")
        let delta = try normalise()
        XCTAssertEqual(delta.rowsRead, 2, "only what changed since the watermark")
        XCTAssertEqual(delta.rowsWritten, 2)
        XCTAssertEqual(try clean("027090000003").decode(String.self, "ward_code"), "09169")
        XCTAssertNil(try clean("027090000003").decode(String?.self, "flags"))
        XCTAssertNotNil(try clean("027090000004").decode(Date?.self, "_deleted_at"))
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.rejects WHERE stage = 'transform'")[0].decode(Int.self, "n"), 0,
                       "the fixed record's rejects are gone")
    }

    func testOneWorkerAndTwoGiveTheSameTable() throws {
        var many: [(String, String?, String?, String?, String?, String)] = []
        for i in 0..<1_000 {
            let id = String(format: "0270900%05d", i)
            many.append((id, i % 7 == 0 ? "NGUYEN VAN \(i)" : "Phạm Thị Hoà", i % 2 == 0 ? "09163" : "07210", "0912345678", nil, "2025-08-01T00:00:00+07:00"))
        }
        try stage(many)
        let content = "SELECT md5(string_agg(t::text, '|' ORDER BY citizen_id)) AS h FROM (SELECT citizen_id, full_name, full_name_key, ward_code, ward_code_old, phone, _quality, _hash FROM core.clean_people) AS t"
        _ = try normalise(workers: 1)
        let one = try connection.query(content)[0].decode(String.self, "h")
        try connection.simpleExecute("DROP TABLE core.clean_people; DELETE FROM citypipe.transform_state")
        let report = try normalise(workers: 2)
        XCTAssertEqual(report.rowsRead, 1_000, "ten batches of 100")
        XCTAssertEqual(try connection.query(content)[0].decode(String.self, "h"), one)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM core.clean_people WHERE full_name_key = 'pham thi hoa'")[0].decode(Int.self, "n"), 857)
    }

    /// Lanes: the rows shared out between connections by a hash of their key, each share normalised and
    /// written in its own transaction; the same table and rejects as one transaction gives, the watermark moved
    /// once all are done, a second pass (nothing changed) reads nothing, a full one writes nothing.
    func testLanesOnSeveralConnectionsGiveTheSameTable() throws {
        var many: [(String, String?, String?, String?, String?, String)] = []
        for i in 0..<3_000 {
            let id = String(format: "0270900%05d", (i * 7_919) % 100_000)
            many.append((id, i % 5 == 0 ? "TRAN VAN \(i)" : "Lê Thị Thuỷ", i % 3 == 0 ? "09163" : "99999", nil, i % 11 == 0 ? "0100233487" : nil,
                         "2025-08-01T00:00:00+07:00"))
        }
        try stage(many)
        try connection.simpleExecute("ANALYZE staging.people")
        let content = "SELECT md5(string_agg(t::text, '|' ORDER BY citizen_id)) AS h FROM (SELECT citizen_id, full_name, full_name_key, ward_code, ward_code_old, _ward, _ward_rule, employer, _quality, _hash FROM core.clean_people) AS t"
        let rejects = "SELECT md5(string_agg(record_key_hash || field || reason, '|' ORDER BY record_key_hash, field)) AS h FROM citypipe.rejects WHERE stage = 'transform'"
        _ = try normalise(workers: 1)
        let one = try connection.query(content)[0].decode(String.self, "h")
        let oneRejects = try connection.query(rejects)[0].decode(String.self, "h")
        try connection.simpleExecute("DROP TABLE core.clean_people; DELETE FROM citypipe.transform_state; DELETE FROM citypipe.rejects")
        let shares = try LaneShare.shares(plan, lanes: 3, batchSize: 100, connection)
        XCTAssertEqual(shares.count, 3)
        var counts: [Int] = []
        for share in shares {
            counts.append(try connection.query("SELECT count(*) AS n FROM staging.people WHERE \(share.condition(plan) ?? "true")")[0].decode(Int.self, "n"))
        }
        XCTAssertEqual(counts.reduce(0, +), 3_000, "every key in exactly one lane")
        XCTAssertTrue(counts.allSatisfy { $0 > 800 && $0 < 1_200 }, "about a third each: \(counts)")
        let report = try normalise(workers: 3, lanes: true)
        XCTAssertEqual(report.rowsRead, 3_000)
        XCTAssertEqual(report.rowsWritten, 3_000)
        XCTAssertEqual(try connection.query(content)[0].decode(String.self, "h"), one, "the same clean rows")
        XCTAssertEqual(try connection.query(rejects)[0].decode(String.self, "h"), oneRejects, "the same rejects")
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.transform_state WHERE feed = 'people'")[0].decode(Int.self, "n"), 1)
        let again = try normalise(workers: 3, lanes: true)
        XCTAssertEqual(again.rowsRead, 0, "nothing staged since the watermark")
        let full = try normalise(workers: 3, full: true, lanes: true)
        XCTAssertEqual(full.rowsRead, 3_000)
        XCTAssertEqual(full.rowsWritten, 0, "nothing changed")
        XCTAssertEqual(try connection.query(content)[0].decode(String.self, "h"), one)
    }

    /// A pass whose loads changed few of the staged rows reads them through the change index by one lane; one whose
    /// loads changed many reads the pages, lane by lane. Both give the rows a full pass gives, and the loads' own
    /// counts (`citypipe.feed_runs`) decide, whatever the rows say.
    func testFewChangesAreReadThroughTheChangeIndexAndManyByThePages() throws {
        func people(_ count: Int, name: String) -> [(String, String?, String?, String?, String?, String)] {
            (0..<count).map { i in
                (String(format: "0270900%05d", i), name, i % 3 == 0 ? "09163" : "09169", nil, nil, "2025-08-01T00:00:00+07:00")
            }
        }
        func loaded(rows: Int) throws {
            try connection.query(
                """
                INSERT INTO citypipe.feed_runs (run_id, feed, status, rows_staged, finished_at)
                VALUES ($1, 'people', 'succeeded', $2, clock_timestamp())
                """, [runID, rows])
        }
        let content = "SELECT md5(string_agg(t::text, '|' ORDER BY citizen_id)) AS h FROM (SELECT citizen_id, full_name, full_name_key, ward_code, _ward, _quality, _hash, _deleted_at IS NULL AS live FROM core.clean_people) AS t"
        try stage(people(2_000, name: "Nguyễn Văn An"))
        try connection.simpleExecute("ANALYZE staging.people")
        let first = try normalise(workers: 2, lanes: true)
        XCTAssertEqual(first.rowsRead, 2_000)
        XCTAssertFalse(first.readByIndex, "a first build reads everything")
        // A table not cut by period (a snapshot's, updated in place) has a B-tree change index; one made as BRIN
        // before is made again as a B-tree by the next pass.
        let method = "SELECT a.amname::text AS m FROM pg_class AS i JOIN pg_am AS a ON a.oid = i.relam WHERE i.oid = 'staging.people_changed_at'::regclass"
        XCTAssertEqual(try connection.query(method)[0].decode(String.self, "m"), "btree")
        try connection.simpleExecute(
            "DROP INDEX staging.people_changed_at; " + StagingChanges.createIndex(table: "staging.people", feed: "people", partitioned: true))
        XCTAssertEqual(try connection.query(method)[0].decode(String.self, "m"), "brin")
        XCTAssertEqual(try normalise(workers: 2, lanes: true).rowsWritten, 0)
        XCTAssertEqual(try connection.query(method)[0].decode(String.self, "m"), "btree")

        // 30 people change and one goes, as a load of 31 rows says: 1.5 % of the table.
        try stage(Array(people(30, name: "Trần Thị Bình")))
        try connection.simpleExecute("UPDATE staging.people SET _deleted_at = clock_timestamp() WHERE citizen_id = '027090001999'")
        try loaded(rows: 31)
        let few = try normalise(workers: 2, lanes: true)
        XCTAssertTrue(few.readByIndex)
        XCTAssertEqual(few.rowsRead, 31, "only the changed rows")
        XCTAssertEqual(few.rowsWritten, 31)
        XCTAssertEqual(try clean("027090000007").decode(String.self, "full_name_key"), "tran thi binh")
        XCTAssertNotNil(try clean("027090001999").decode(Date?.self, "_deleted_at"))
        let afterFew = try connection.query(content)[0].decode(String.self, "h")

        // 500 people change, as a load of 500 rows says: 25 %.
        try stage(Array(people(500, name: "Lê Văn Cường")))
        try loaded(rows: 500)
        let many = try normalise(workers: 2, lanes: true)
        XCTAssertFalse(many.readByIndex)
        XCTAssertEqual(many.rowsRead, 500)
        XCTAssertEqual(many.rowsWritten, 500)
        let afterMany = try connection.query(content)[0].decode(String.self, "h")
        XCTAssertNotEqual(afterMany, afterFew)

        // Both ways left what a pass over everything finds: nothing to write.
        let full = try normalise(workers: 2, full: true, lanes: true)
        XCTAssertEqual(full.rowsWritten, 0)
        XCTAssertEqual(try connection.query(content)[0].decode(String.self, "h"), afterMany)
        // One connection (no lanes) takes the same way for few changes.
        try stage(Array(people(5, name: "Phạm Thị Dung")))
        try loaded(rows: 5)
        let single = try normalise(workers: 2)
        XCTAssertTrue(single.readByIndex)
        XCTAssertEqual(single.rowsRead, 5)
        XCTAssertEqual(try clean("027090000004").decode(String.self, "full_name_key"), "pham thi dung")
    }

    /// The normalise step alone (the benchmark's `NormalizeWorkload`): it reads every staged row, or about a
    /// limit of them, and finds on 1, 2 or 3 workers exactly the failures a real pass writes as rejects.
    func testTheInMemoryWorkloadFindsWhatAPassRejectsOnAnyNumberOfWorkers() throws {
        var many: [(String, String?, String?, String?, String?, String)] = []
        for i in 0..<2_500 {
            let id = String(format: "0270900%05d", i)
            many.append((id, "Lê Thị Thuỷ", i % 4 == 0 ? "99999" : "09169", nil, i % 9 == 0 ? "0100233487" : "0100233488", "2025-08-01T00:00:00+07:00"))
        }
        try stage(many)
        try connection.simpleExecute("ANALYZE staging.people")
        let workload = try NormalizeWorkload.read(plan, batchSize: 300, connection)
        XCTAssertEqual(workload.rows, 2_500)
        XCTAssertEqual(workload.batches.count, 9, "batches of 300")
        let failures = [1, 2, 3].map { workload.normalize(workers: $0) }
        let pass = try normalise(workers: 1)
        XCTAssertEqual(pass.rejects, 625 + 278, "unknown wards and wrong check digits")
        XCTAssertEqual(failures, [pass.rejects, pass.rejects, pass.rejects])
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM core.clean_people")[0].decode(Int.self, "n"), 2_500, "the workload wrote nothing itself")
        let part = try NormalizeWorkload.read(plan, limit: 500, connection)
        XCTAssertLessThanOrEqual(part.rows, 500, "never more than the limit")
        XCTAssertGreaterThan(part.rows, 250, "about the limit: the pages that hold it by the statistics")
    }

    /// A manifest naming a province that no longer exists fails the pass with the feed and what to correct,
    /// before anything is written.
    func testAnUnknownProvinceIsRefused() throws {
        try stage(Self.rows)
        let text = Self.manifestText + "\nplace: {province: \"27\"}\n"
        let loaded = ManifestLoader(knownSemantics: ["vn_citizen_id", "vn_person_name", "vn_admin_unit", "vn_phone", "vn_tax_code"])
            .load(yaml: text, file: "people.yaml")
        let old = FeedNormalization(manifest: try XCTUnwrap(loaded.manifest, "\(loaded.issues)"))
        XCTAssertThrowsError(try NormalizeStage(plan: old, workers: 1).run(connection, runID: runID)) {
            XCTAssertTrue(String(describing: $0).contains("place.province '27'"), "\($0)")
        }
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.transform_state")[0].decode(Int.self, "n"), 0)
    }
}
