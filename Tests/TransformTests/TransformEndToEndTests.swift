import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The nightly pipeline (its national and sector feeds, then the transform step) against the simulator, checked against its truth:
/// people once each, links right, places right, the commune profile's population, and re-runs byte-identical.
final class TransformEndToEndTests: DatabaseTestCase {
    override var databasePrefix: String { "transform" }

    override func setUpWithError() throws {
        try XCTSkipUnless(SimulatorProcess.isAvailable, "this build has no citypipe simulate")
        try super.setUpWithError()
    }

    static var root: URL { BuiltBinary.connectors.deletingLastPathComponent() }

    func citypipe(_ arguments: [String], _ simulator: SimulatorProcess) throws -> (status: Int32, output: String) {
        try simulator.citypipe(arguments, databaseURL: database.url, directory: Self.root)
    }

    func count(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    func ratio(_ sql: String) throws -> Double {
        try connection.query(sql)[0].decode(Double.self, at: 0)
    }

    /// One checksum per table of core and integrated.
    func checksums() throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try connection.query(
            "SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname IN ('core', 'integrated') ORDER BY 1") {
            let table = try row.decode(String.self, "t")
            let columns = try connection.query(
                "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('_run_id', '_normalized_at')",
                [table])[0].decode(String.self, "c")
            result[table] = try connection.query(
                "SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS h FROM (SELECT \(columns) FROM \(table)) AS x"
            )[0].decode(String.self, "h")
        }
        return result
    }

    func testTheNightlyPipelineBuildsTheIntegratedTablesTrueToTheSource() throws {
        // Scale 0.1 as the issue asks (140,000 people, about 2 minutes); CITYPIPE_TRANSFORM_TEST_SCALE overrides.
        let scale = Double(ProcessInfo.processInfo.environment["CITYPIPE_TRANSFORM_TEST_SCALE"] ?? "") ?? 0.1
        let simulator = try SimulatorProcess(seed: 21, scale: scale)
        defer { simulator.stop() }
        // The nightly's national and sector feeds and its transform step: the geo, land, post/telecom, facility and
        // air feeds have end-to-end tests of their own against the truth (GeoFeedsEndToEndTests, AirQualitySourceTests,
        // HealthFacilitiesSourceTests), and the API fixture runs the whole nightly; their models build here too, over
        // the empty clean tables a feed has before its first load.
        let pipeline = FileManager.default.temporaryDirectory.appendingPathComponent("nightly-core-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: pipeline) }
        try """
            name: \(pipeline.deletingPathExtension().lastPathComponent)
            description: The nightly's national and sector feeds, then the transform.
            concurrency: 3
            steps:
              - name: national
                ingest: [population, business, insurance, finance, statistics]
              - name: sectors
                ingest: [labour, health_encounters, schools]
              - name: transform
                transform: {}

            """.write(to: pipeline, atomically: true, encoding: .utf8)
        let run = try citypipe(["run", pipeline.path, "--summary"], simulator)
        XCTAssertEqual(run.status, 0, run.output)
        let truth = simulator.truth
        try TruthFiles.load(
            truth.appendingPathComponent("population_clean.csv"), into: "truth_person",
            columns: "citizen_id text, full_name text, birth_date date, sex text, phone text, ward_code text, updated_at timestamptz", connection)
        try TruthFiles.load(
            truth.appendingPathComponent("health_encounters_people.csv"), into: "truth_health_person",
            columns: "claim_id text, person_citizen_id text", connection)

        // Every person once (a person whose register record could not be typed is missing from staging too).
        let people = try count("SELECT count(*) FROM core.person")
        XCTAssertEqual(try count("SELECT count(DISTINCT person_id) FROM core.person"), people)
        let staged = try count("SELECT count(*) FROM staging.population WHERE _deleted_at IS NULL")
        XCTAssertEqual(people, staged)
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.person AS p JOIN truth_person AS t ON t.citizen_id = p.person_id"), people,
            "every person is a person of the truth")
        // Wards: the register's ward, post-2025, equals the truth's for everyone resolved; the rest are flagged.
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.person AS p JOIN truth_person AS t ON t.citizen_id = p.person_id WHERE p.ward_code <> t.ward_code"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM core.person WHERE ward_code IS NULL AND cardinality(quality) = 0"), 0,
                       "a person without a resolved ward is flagged")
        let placed = try count("SELECT count(*) FROM core.person WHERE ward_code IS NOT NULL")
        XCTAssertGreaterThanOrEqual(Double(placed) / Double(people), 0.999)
        try checkPlaces(truth)

        // CCCD/CMND links are all correct; fuzzy links precise and complete enough.
        XCTAssertEqual(try count("""
            SELECT count(*) FROM core.person_link AS l JOIN truth_health_person AS t ON t.claim_id = l.record_key
            WHERE l.feed = 'health_encounters' AND l.rule IN ('cccd', 'cmnd') AND l.person_id <> t.person_citizen_id
            """), 0)
        let fuzzy = "FROM core.person_link AS l JOIN truth_health_person AS t ON t.claim_id = l.record_key JOIN core.clean_health_encounters AS h ON h.claim_id = l.record_key WHERE l.feed = 'health_encounters' AND h.citizen_id IS NULL"
        let linked = try count("SELECT count(*) \(fuzzy) AND l.person_id IS NOT NULL")
        XCTAssertGreaterThan(linked, 20, "claims without an ID exist and are linked")
        let precision = try ratio("SELECT (count(*) FILTER (WHERE l.person_id = t.person_citizen_id))::float8 / nullif(count(*) FILTER (WHERE l.person_id IS NOT NULL), 0) \(fuzzy)")
        let recall = try ratio("SELECT (count(*) FILTER (WHERE l.person_id = t.person_citizen_id))::float8 / nullif(count(*) FILTER (WHERE t.person_citizen_id IN (SELECT person_id FROM core.person)), 0) \(fuzzy)")
        print("fuzzy health links: \(linked) linked, precision \(precision), recall \(recall)")
        XCTAssertGreaterThanOrEqual(precision, 0.99)
        XCTAssertGreaterThanOrEqual(recall, 0.95)
        XCTAssertEqual(try count("SELECT count(*) FROM core.person_link WHERE rule = 'ambiguous' AND person_id IS NOT NULL"), 0,
                       "ambiguous candidates are never linked")

        // The commune profile's population per ward is the truth's.
        XCTAssertEqual(try count("SELECT count(*) FROM integrated.commune_profile"), 99)
        XCTAssertEqual(try count("""
            SELECT count(*) FROM integrated.commune_profile AS c
            LEFT JOIN (SELECT t.ward_code, count(*) AS n FROM truth_person AS t JOIN core.person AS p ON p.person_id = t.citizen_id
                       WHERE p.ward_code IS NOT NULL GROUP BY 1) AS t USING (ward_code)
            WHERE c.population <> coalesce(t.n, 0)
            """), 0)
        XCTAssertEqual(try count("SELECT sum(population)::int FROM integrated.commune_profile"), placed)
        // Age bands by completed years (age()'s year field): a person a day short of 15 is 14. Comparing age() with
        // an interval would not say so (14 years 11 months 30 days equals 15 years as an interval).
        XCTAssertEqual(try count("""
            SELECT count(*) FROM integrated.commune_profile AS c
            LEFT JOIN (SELECT ward_code,
                              count(*) FILTER (WHERE date_part('year', age(current_date, birth_date)) < 15) AS young,
                              count(*) FILTER (WHERE date_part('year', age(current_date, birth_date)) >= 60) AS old
                       FROM core.person WHERE ward_code IS NOT NULL GROUP BY 1) AS t USING (ward_code)
            WHERE (c.age_0_14, c.age_60_plus) IS DISTINCT FROM (coalesce(t.young, 0), coalesce(t.old, 0))
               OR c.age_0_14 + c.age_15_59 + c.age_60_plus <> c.population
            """), 0)

        // Transform again over the same staged data: every table byte-identical.
        let before = try checksums()
        XCTAssertGreaterThanOrEqual(before.count, 20)
        let again = try citypipe(["transform"], simulator)
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertEqual(try checksums(), before)
        let full = try citypipe(["transform", "--full"], simulator)
        XCTAssertEqual(full.status, 0, full.output)
        XCTAssertEqual(try checksums(), before, "a full re-normalisation changes nothing either")

        // Start over, kill -9 the transform half-way, run it again: the same tables as the uninterrupted run.
        try connection.simpleExecute("""
            DELETE FROM citypipe.transform_state;
            DO $$ DECLARE t text; BEGIN
                FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'core' AND tablename LIKE 'clean\\_%' LOOP
                    EXECUTE format('DROP TABLE IF EXISTS core.%I', t);  -- a partition goes with its table
                END LOOP;
            END $$
            """)
        let victim = Process()
        victim.executableURL = BuiltBinary.citypipe
        victim.arguments = ["transform"]
        victim.currentDirectoryURL = Self.root
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = database.url
        victim.environment = environment
        victim.standardOutput = FileHandle.nullDevice
        victim.standardError = FileHandle.nullDevice
        try victim.run()
        try waitUntil("three feeds normalised", changesOf: "citypipe.transform_state") {
            try count("SELECT count(*) FROM citypipe.transform_state") >= 3
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        XCTAssertLessThan(try count("SELECT count(*) FROM citypipe.transform_state"), 8, "killed before the last feed")
        let restarted = try citypipe(["transform"], simulator)
        XCTAssertEqual(restarted.status, 0, restarted.output)
        XCTAssertEqual(try checksums(), before, "killed and restarted ends as the uninterrupted run")
        // The ledger: the killed transform's run was marked aborted by the next one (its alive lock was free), and
        // the model builds it had begun failed as abandoned; nothing is left running (the fault campaign's
        // defects A and B).
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs WHERE status = 'running'"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.model_runs WHERE status = 'running'"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs WHERE kind = 'transform' AND status = 'aborted'"), 1)
    }
}

extension TransformEndToEndTests {
    /// Every feed with a place: each record's `_ward` equals the truth's post-2025 ward, or is null and flagged in
    /// `_quality`; and nearly every record is placed (the simulated feeds name units of the province only, so a
    /// unit name without its district or province is settled within it).
    func checkPlaces(_ truth: URL) throws {
        try TruthFiles.load(
            truth.appendingPathComponent("places.csv"), into: "truth_place", columns: "feed text, key text, ward_code_2025 text", connection)
        try TruthFiles.load(
            truth.appendingPathComponent("business_clean.csv"), into: "truth_business_place",
            columns: "tax_code text, tax_code_valid boolean, is_branch boolean, ward_code_2025 text", connection)
        let feeds: [(feed: String, key: String, truth: String)] = [
            ("population", "coalesce(c.citizen_id_norm, c.citizen_id)", "SELECT 'population' AS feed, citizen_id AS key, ward_code AS ward_code_2025 FROM truth_person"),
            ("business", "tax_code", "SELECT 'business' AS feed, tax_code AS key, ward_code_2025 FROM truth_business_place"),
            ("labour", "claim_id", "SELECT * FROM truth_place WHERE feed = 'labour'"),
            ("health_encounters", "claim_id", "SELECT * FROM truth_place WHERE feed = 'health_encounters'"),
            ("schools", "school_code", "SELECT * FROM truth_place WHERE feed = 'schools'"),
            ("statistics", "(c.year || '|' || c.commune_code)", "SELECT * FROM truth_place WHERE feed = 'statistics'"),
        ]
        for (feed, key, truthRows) in feeds {
            let join = "FROM core.clean_\(feed) AS c JOIN (\(truthRows)) AS t ON t.key = (\(key.contains("(") ? key : "c." + key))::text WHERE c._deleted_at IS NULL"
            let records = try count("SELECT count(*) FROM core.clean_\(feed) WHERE _deleted_at IS NULL")
            let compared = try count("SELECT count(*) \(join)")
            let wrong = try count("SELECT count(*) \(join) AND c._ward <> t.ward_code_2025")
            let unflagged = try count("SELECT count(*) FROM core.clean_\(feed) WHERE _deleted_at IS NULL AND _ward IS NULL AND NOT coalesce('_ward:ambiguous' = ANY(_quality) OR '_ward:unresolved' = ANY(_quality), false)")
            let resolved = try count("SELECT count(*) \(join) AND c._ward = t.ward_code_2025")
            print("places \(feed): \(records) records, \(compared) in the truth, \(resolved) right, \(wrong) wrong, \(records - resolved - wrong) unplaced")
            XCTAssertGreaterThan(records, 0, feed)
            XCTAssertGreaterThanOrEqual(Double(compared) / Double(records), 0.99, "\(feed): records of the truth")
            XCTAssertEqual(wrong, 0, "\(feed): a record placed in another ward than the truth's")
            XCTAssertEqual(unflagged, 0, "\(feed): a record without a ward is flagged")
            XCTAssertGreaterThanOrEqual(Double(resolved) / Double(compared), 0.99, "\(feed): records placed")
        }
    }
}
