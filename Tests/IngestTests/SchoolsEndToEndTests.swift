import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// `citypipe ingest schools` against `citypipe simulate`: two CSV exports in one load (partitions), one UTF-8, one
/// TCVN3, both arriving as Unicode.
final class SchoolsEndToEndTests: SimulatorIngestTestCase {
    func testBothExportsLoadAndTCVN3TextArrivesAsUnicode() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 53, scale: 0.01)
        defer { simulator.stop() }
        let run = try ingest(["schools"], simulator)
        XCTAssertEqual(run.status, 0, run.output)
        try loadTruth(
            "schools", simulator,
            columns: "school_code text, name text, level text, ownership text, ward_code text, ward_name text, pupils integer, teachers integer, classes integer, school_year text")
        let columns = "school_code, name, level, ownership, ward_code, ward_name, pupils, teachers, classes, school_year"
        XCTAssertEqual(try difference("staging.schools", "truth_schools", columns: columns), 0, "staging.schools equals the truth")
        // The Bắc Giang rows (codes 24…) came in TCVN3: they are NFC Vietnamese, with no replacement characters.
        let legacy = try count("SELECT count(*) FROM staging.schools WHERE school_code LIKE '24%'")
        XCTAssertGreaterThan(legacy, 50)
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.schools WHERE school_code LIKE '24%' AND name IS NFC NORMALIZED AND ward_name IS NFC NORMALIZED AND name LIKE 'Trường %' AND ward_name ~ '[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]' AND position(U&'\\FFFD' IN name || ward_name) = 0"),
            try count("SELECT count(*) FROM staging.schools WHERE school_code LIKE '24%' AND ward_name ~ '[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]'"))
        XCTAssertEqual(try count("SELECT count(*) FROM staging.schools WHERE level = 'Tiểu học' AND school_code LIKE '24%'") > 0, true)
        try assertRejectsMatchTruth("schools", simulator)
        // A second run is a full snapshot again: nothing changes, nothing is marked deleted.
        let again = try ingest(["schools"], simulator)
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.schools WHERE _deleted_at IS NOT NULL"), 0)
    }

    /// Seed 12 at scale 0.01 plants malformed rows in 2.28 % of the list: within the manifest's limit, the load (and
    /// a demo's nightly run) succeeds, and every bad row is a reject with its reason.
    func testAListWithMoreMalformedRowsThanUsualStillLoads() throws {
        _ = try Warehouse.migrate(connection)
        let simulator = try SimulatorProcess(seed: 12, scale: 0.01)
        defer { simulator.stop() }
        let run = try ingest(["schools"], simulator)
        XCTAssertEqual(run.status, 0, run.output)
        let load = try connection.query(
            "SELECT rows_rejected::float8 / nullif(rows_staged + rows_rejected, 0) AS share FROM citypipe.feed_runs WHERE feed = 'schools'")[0]
        XCTAssertGreaterThan(try load.decode(Double.self, "share"), 0.02, "this seed's share is above the old 2 % limit")
        try assertRejectsMatchTruth("schools", simulator)
    }
}
