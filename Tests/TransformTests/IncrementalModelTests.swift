import Dispatch
import Foundation
import Postgres
import TestSupport
import Transform
import Warehouse
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Incremental SQL models (`-- materialized: incremental`): after a batch of changes, every incremental model's
/// table built incrementally is byte for byte what a full build of its query gives.
final class IncrementalModelTests: DatabaseTestCase {
    override var databasePrefix: String { "incremental" }

    override func setUpWithError() throws {
        try XCTSkipUnless(SimulatorProcess.isAvailable, "this build has no citypipe simulate")
        try super.setUpWithError()
    }

    static var root: URL { BuiltBinary.connectors.deletingLastPathComponent() }

    func count(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    /// The shipped models that are incremental, in dependency order.
    func incrementalModels() throws -> [SQLModel] {
        let catalog = try ModelCatalog(directory: Self.root.appendingPathComponent("Pipelines/models"))
        return try catalog.order().compactMap { catalog.models[$0] }.filter { $0.materialized == .incremental }
    }

    /// For each incremental model, in dependency order: the md5 of its table's rows against the md5 of a full
    /// build of its query over the tables as they are (the models it reads were checked before it).
    func assertIncrementalEqualsFull(_ models: [SQLModel], _ message: String) throws {
        for model in models {
            let table = "\(model.schema).\(model.table)"
            let built = try connection.query(
                "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS h, count(*) AS n FROM \(table) AS t")[0]
            let full = try connection.query(
                "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS h, count(*) AS n FROM (\(model.sql)) AS t")[0]
            XCTAssertEqual(try built.decode(Int.self, "n"), try full.decode(Int.self, "n"), "\(message): \(model.name) rows")
            XCTAssertEqual(try built.decode(String.self, "h"), try full.decode(String.self, "h"), "\(message): \(model.name) differs from a full build")
        }
    }

    /// How each incremental model was built in the latest run: model → (mode, keys read, rows changed).
    /// Each model's builds in the latest run, added up: a model whose inputs were normalised beside the loads is
    /// built then and again, with nothing left to do, by the transform step. Its mode is the first in the
    /// alphabet among them (`full` before `incremental` before `unchanged`).
    func latestBuilds() throws -> [String: (mode: String, keys: Int?, rows: Int?)] {
        var result: [String: (mode: String, keys: Int?, rows: Int?)] = [:]
        for row in try connection.query(
            """
            SELECT model, min(mode) AS mode, sum(keys_read)::bigint AS keys_read, sum(rows_built)::bigint AS rows_built FROM citypipe.model_runs
            WHERE run_id = (SELECT max(run_id) FROM citypipe.model_runs) AND status = 'succeeded'
            GROUP BY model
            """) {
            result[try row.decode(String.self, "model")] =
                (try row.decode(String.self, "mode"), try row.decode(Int?.self, "keys_read"), try row.decode(Int?.self, "rows_built"))
        }
        return result
    }

    func testAnIncrementalBuildAfterChangesEqualsAFullRebuild() throws {
        let models = try incrementalModels()
        XCTAssertGreaterThanOrEqual(models.count, 8, "the heavy core and integrated models are incremental")
        let simulator = try SimulatorProcess(seed: 31, scale: 0.02)
        defer { simulator.stop() }
        let pipeline = FileManager.default.temporaryDirectory.appendingPathComponent("incremental-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: pipeline) }
        try """
            name: \(pipeline.deletingPathExtension().lastPathComponent)
            description: The feeds the incremental models read, then the transform.
            concurrency: 3
            steps:
              - name: national
                ingest: [population, business, insurance, finance, statistics]
              - name: sectors
                ingest: [labour, health_encounters, schools]
              - name: geo
                ingest: [admin_boundaries, land]
              - name: transform
                transform: {}

            """.write(to: pipeline, atomically: true, encoding: .utf8)
        func run() throws {
            let result = try simulator.citypipe(["run", pipeline.path], databaseURL: database.url, directory: Self.root)
            XCTAssertEqual(result.status, 0, result.output)
        }

        // The first night: every model built whole.
        try run()
        for model in models {
            XCTAssertEqual(try latestBuilds()[model.name]?.mode, "full", "\(model.name): a first build is full")
        }
        XCTAssertGreaterThan(try count("SELECT count(*) FROM core.land_parcel"), 0)
        let partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'core.insurance_coverage'::regclass"
        let months = try count("SELECT count(DISTINCT period) FROM core.insurance_coverage")
        XCTAssertGreaterThan(months, 1)
        XCTAssertEqual(try count(partitions), months, "partition_by: period: one partition of insurance_coverage per month")
        let declared = Set(models.flatMap(\.sourceIndexes))
        XCTAssertGreaterThanOrEqual(declared.count, 10)
        XCTAssertEqual(
            try count("SELECT count(*) FROM pg_indexes WHERE schemaname = 'core' AND indexname LIKE 'cp\\_src\\_%'"), declared.count,
            "the indexes the key lists need on clean tables are made")

        // An index of a model's header that its table lacks (added to the header after the table's last full build)
        // is made by the next incremental build.
        let lastIndex = try XCTUnwrap(models.first { $0.name == "core.health_encounter" }?.indexes.count)
        try connection.simpleExecute("DROP INDEX core.health_encounter_\(lastIndex)")

        // Nothing changed: every incremental model reads nothing and changes nothing; a table model whose inputs
        // did not change is not rebuilt, one that reads the date is.
        try run()
        XCTAssertEqual(
            try count("SELECT count(*) FROM pg_indexes WHERE schemaname = 'core' AND indexname = 'health_encounter_\(lastIndex)'"), 1,
            "the header's index is made again")
        let quiet = try latestBuilds()
        for model in models {
            XCTAssertEqual(quiet[model.name]?.mode, "incremental", model.name)
            XCTAssertEqual(quiet[model.name]?.rows, 0, "\(model.name): no change, no row written")
        }
        for name in ["core.admin_unit", "core.admin_boundary", "core.school", "integrated.school_map", "integrated.ward_boundary"] {
            XCTAssertEqual(quiet[name]?.mode, "unchanged", "\(name): nothing it reads changed")
        }
        XCTAssertEqual(quiet["integrated.commune_profile"]?.mode, "full", "it reads current_date")
        XCTAssertEqual(quiet["integrated.data_quality"]?.mode, "full", "it reads the run log")

        // A batch of changes at the source: people changed and added, enterprises gone (the simulator's next
        // generation); and, in the clean tables, a person moving ward, an insured person deleted from the register,
        // an employer leaving the business register, a late insurance record naming an employer the register never
        // listed, a land parcel changing hands, a labour claim decided, a hospital bill corrected, a tax payment amended
        // and one withdrawn.
        let people = try count("SELECT count(*) FROM staging.population")
        let enterprises = try count("SELECT count(*) FROM staging.business")
        try advance(simulator, changed: people / 50, added: 40, removed: max(2, enterprises / 50))
        let other = "(SELECT max(ward_code) FROM core.person WHERE ward_code IS NOT NULL)"
        let leaving = try XCTUnwrap(
            try connection.query(
                "SELECT employer_tax_code AS code FROM core.insurance_coverage WHERE enterprise_tax_code = employer_tax_code ORDER BY 1 LIMIT 1"
            ).first?.decode(String.self, "code"), "an insured person's employer is a listed enterprise")
        // A code the register has never listed, named by a late record of the latest month's insurance export.
        let registering = try XCTUnwrap(
            try connection.query(
                "SELECT lpad((max(tax_code::bigint) + 1)::text, 10, '0') AS code FROM core.enterprise_code WHERE tax_code ~ '^[0-9]{10}$'"
            ).first?.decode(String.self, "code"))
        try connection.simpleExecute(
            """
            UPDATE core.clean_population SET _ward = CASE WHEN _ward = \(other) THEN (SELECT min(ward_code) FROM core.person) ELSE \(other) END,
                   _normalized_at = clock_timestamp()
            WHERE coalesce(citizen_id_norm, citizen_id) IN (SELECT c.person_id FROM core.insurance_coverage AS c WHERE c.person_id IS NOT NULL ORDER BY 1 LIMIT 3);
            UPDATE core.clean_population SET _deleted_at = now(), _normalized_at = clock_timestamp()
            WHERE coalesce(citizen_id_norm, citizen_id) IN (SELECT l.person_id FROM core.person_link AS l WHERE l.feed = 'health_encounters' AND l.person_id IS NOT NULL ORDER BY 1 DESC LIMIT 2);
            UPDATE core.clean_business SET _deleted_at = now(), _normalized_at = clock_timestamp() WHERE tax_code = '\(leaving)';
            INSERT INTO core.clean_insurance (citizen_id, insurance_code, employer_tax_code, employer_tax_code_parent, scheme, period,
                                              _quality, _hash, _deleted_at, _normalized_by, _run_id, _normalized_at)
            SELECT citizen_id, '9999999999', '\(registering)', '\(registering)', scheme, period, _quality, md5('late'), NULL, _normalized_by, _run_id, clock_timestamp()
            FROM core.clean_insurance WHERE period = (SELECT max(period) FROM core.clean_insurance) AND _deleted_at IS NULL ORDER BY insurance_code LIMIT 1;
            UPDATE core.clean_land SET holder_id = (SELECT cccd FROM core.person WHERE cccd IS NOT NULL ORDER BY 1 LIMIT 1), _normalized_at = clock_timestamp()
            WHERE parcel_id IN (SELECT parcel_id FROM core.clean_land ORDER BY 1 LIMIT 2);
            UPDATE core.clean_labour SET status = 'decided', _normalized_at = clock_timestamp()
            WHERE claim_id IN (SELECT claim_id FROM core.clean_labour ORDER BY 1 LIMIT 2);
            UPDATE core.clean_health_encounters SET total_cost = total_cost + 1000, _normalized_at = clock_timestamp()
            WHERE claim_id IN (SELECT claim_id FROM core.clean_health_encounters ORDER BY 1 LIMIT 2);
            UPDATE core.clean_finance SET amount = amount + 1, _normalized_at = clock_timestamp()
            WHERE document_no IN (SELECT document_no FROM core.clean_finance ORDER BY 1 LIMIT 2);
            UPDATE core.clean_finance SET _deleted_at = now(), _normalized_at = clock_timestamp()
            WHERE document_no = (SELECT max(document_no) FROM core.clean_finance WHERE _deleted_at IS NULL);
            """)
        try run()
        let builds = try latestBuilds()
        for model in models {
            let build = try XCTUnwrap(builds[model.name], model.name)
            XCTAssertEqual(build.mode, "incremental", model.name)
            XCTAssertGreaterThan(build.keys ?? 0, 0, "\(model.name): the changes reach it")
        }
        XCTAssertLessThan(builds["core.person"]?.keys ?? .max, people / 10, "only the people changed are recomputed")
        try assertIncrementalEqualsFull(models, "after the changes")
        // integrated.data_quality's row counts come from counts kept by adding for insurance (core.link_count) and
        // finance (core.payment_count): each still the clean table's rows not deleted, a deleted payment included.
        for (feed, table) in [("insurance", "core.clean_insurance"), ("finance", "core.clean_finance"), ("population", "core.clean_population")] {
            XCTAssertEqual(
                try count("SELECT value::bigint FROM integrated.data_quality WHERE feed = '\(feed)' AND metric = 'rows'"),
                try count("SELECT count(*) FROM \(table) WHERE _deleted_at IS NULL"), "\(feed): rows in data_quality")
        }
        // An insurance month keeps its employer after the employer leaves the register.
        XCTAssertEqual(try count("SELECT count(*) FROM core.enterprise WHERE tax_code = '\(leaving)'"), 0)
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.insurance_coverage WHERE employer_tax_code = '\(leaving)' AND enterprise_tax_code IS DISTINCT FROM employer_tax_code"), 0,
            "the months of an employer that left still name it")
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.insurance_coverage WHERE employer_tax_code = '\(registering)' AND enterprise_tax_code IS NULL"), 1,
            "a record naming a code never listed links no enterprise")

        // A new month of insurance: the latest period moves. insurance_coverage attaches the month as a partition of
        // its own; citizen_360, a view of citizen_profile and the latest month, is not made again, and
        // citizen_profile (no insurance in it) changes no row. And the employer never listed registers: the month
        // before, which named it, links it now (the new month is built whole).
        try connection.simpleExecute(
            """
            INSERT INTO core.clean_business (tax_code, tax_code_norm, name, status, _hash, _normalized_at)
            VALUES ('\(registering)', '\(registering)', 'Công ty TNHH Mới Đăng Ký', 'Đang hoạt động', md5('\(registering)'), clock_timestamp());
            INSERT INTO core.clean_insurance (citizen_id, insurance_code, employer_tax_code, employer_tax_code_parent, scheme, period,
                                              _quality, _hash, _deleted_at, _normalized_by, _run_id, _normalized_at)
            SELECT citizen_id, insurance_code, employer_tax_code, employer_tax_code_parent, scheme, (period + interval '1 month')::date,
                   _quality, _hash, _deleted_at, _normalized_by, _run_id, clock_timestamp()
            FROM core.clean_insurance WHERE period = (SELECT max(period) FROM core.clean_insurance) AND _deleted_at IS NULL
            """)
        let transform = try simulator.citypipe(["transform"], databaseURL: database.url, directory: Self.root)
        XCTAssertEqual(transform.status, 0, transform.output)
        let month = try latestBuilds()
        XCTAssertEqual(month["core.insurance_coverage"]?.mode, "incremental")
        XCTAssertEqual(try count(partitions), months + 1, "the new month is a partition of its own, attached")
        let newMonth = try count(
            """
            SELECT count(*) FROM core.insurance_coverage WHERE period = (SELECT max(period) FROM core.insurance_coverage)
            AND tableoid = to_regclass('core.insurance_coverage_' || to_char((SELECT max(period) FROM core.insurance_coverage), 'YYYY_MM_DD'))
            """)
        XCTAssertGreaterThan(newMonth, 0)
        XCTAssertGreaterThanOrEqual(month["core.insurance_coverage"]?.rows ?? 0, newMonth, "the new month's rows are counted as built")
        XCTAssertEqual(month["integrated.citizen_360"]?.mode, "unchanged", "a view: its SQL did not change")
        XCTAssertEqual(month["integrated.citizen_profile"]?.mode, "incremental")
        XCTAssertEqual(month["integrated.citizen_profile"]?.rows, 0, "a new month changes no person's profile")
        let latest = try count(
            """
            SELECT count(*) FROM integrated.citizen_360 WHERE insured
            AND insurance_period = (SELECT max(period) FROM core.clean_insurance WHERE _deleted_at IS NULL)
            """)
        XCTAssertEqual(
            latest, try count("SELECT count(DISTINCT person_id) FROM core.insurance_coverage WHERE period = (SELECT max(period) FROM core.insurance_coverage)"),
            "citizen_360 shows the new month's status")
        XCTAssertEqual(month["core.enterprise_code"]?.rows, 1, "a code listed for the first time")
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.insurance_coverage WHERE employer_tax_code = '\(registering)' AND enterprise_tax_code = employer_tax_code"), 2,
            "both months naming the newly listed employer link it")
        try assertIncrementalEqualsFull(models, "after a new month")
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.model_runs WHERE status <> 'succeeded'"), 0)
    }

    /// `POST /_sim/advance`: the simulator's next generation.
    func advance(_ simulator: SimulatorProcess, changed: Int, added: Int, removed: Int) throws {
        let base = try XCTUnwrap(simulator.exports["CITYPIPE_POPULATION_URL"])
        let url = try XCTUnwrap(URL(string: "\(base)/_sim/advance?changed=\(changed)&added=\(added)&removed=\(removed)"))
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { _, response, error in
            outcome.set((response as? HTTPURLResponse)?.statusCode, error.map { String(describing: $0) })
            done.signal()
        }.resume()
        done.wait()
        let (status, error) = outcome.get()
        XCTAssertNil(error)
        XCTAssertEqual(status, 200, "POST /_sim/advance")
    }

    /// What the advance request ended with.
    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var status: Int?
        private var error: String?

        func set(_ status: Int?, _ error: String?) {
            lock.withLock {
                self.status = status
                self.error = error
            }
        }

        func get() -> (Int?, String?) {
            lock.withLock { (status, error) }
        }
    }
}
