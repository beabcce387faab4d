import Foundation
import Ingest
import Postgres
import TestSupport
import Warehouse
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `citypipe run`, `citypipe backfill` and `citypipe status` as cron and an operator use them, against the
/// simulator and the embedded PostgreSQL.
final class PipelineRunTests: DatabaseTestCase {
    override var databasePrefix: String { "pipeline" }

    override func setUpWithError() throws {
        try XCTSkipUnless(SimulatorProcess.isAvailable, "this build has no citypipe simulate")
        try super.setUpWithError()
        _ = try Warehouse.migrateSchema(connection)
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: scratch)
        super.tearDown()
    }

    var scratch: URL!

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
    }

    func environment(_ simulator: SimulatorProcess) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(simulator.exports) { _, new in new }
        environment["DATABASE_URL"] = database.url
        environment["CITYPIPE_BROKEN_URL"] = "http://127.0.0.1:1"
        return environment
    }

    func start(_ arguments: [String], _ simulator: SimulatorProcess) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = BuiltBinary.citypipe
        process.arguments = arguments
        process.environment = environment(simulator)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func citypipe(_ arguments: [String], _ simulator: SimulatorProcess) throws -> Outcome {
        let started = Date()
        let (process, out, err) = try start(arguments, simulator)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        TestLogs.record(arguments, status: process.terminationStatus, output: stdout + stderr)
        return Outcome(status: process.terminationStatus, stdout: stdout, stderr: stderr, seconds: Date().timeIntervalSince(started))
    }

    func count(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    /// Staging holds exactly the simulator's people updated from 1 September to 29 November 2025, once each.
    /// Returns how many people that is.
    @discardableResult
    func assertStagingEqualsTheTruthOfTheBackfilledDays(_ simulator: SimulatorProcess, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        try TruthFiles.load(
            simulator.truth.appendingPathComponent("population.csv"), into: "truth_population",
            columns: "citizen_id text, full_name text, birth_date text, sex text, phone text, ward_code text, address text, updated_at timestamptz",
            connection)
        let window = "updated_at >= '2025-09-01T00:00:00+07:00' AND updated_at < '2025-11-30T00:00:00+07:00'"
        let expected = try count("SELECT count(*) FROM truth_population WHERE \(window)")
        XCTAssertGreaterThan(expected, 5_000, file: file, line: line)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.population WHERE _deleted_at IS NULL"), expected, file: file, line: line)
        XCTAssertEqual(try count("SELECT count(DISTINCT citizen_id) FROM staging.population"), expected, "no duplicates", file: file, line: line)
        let columns = "citizen_id, full_name, sex, phone, ward_code, address, updated_at"
        XCTAssertEqual(
            try count("""
                SELECT count(*) FROM ((SELECT \(columns) FROM staging.population EXCEPT SELECT \(columns) FROM truth_population WHERE \(window))
                UNION ALL (SELECT \(columns) FROM truth_population WHERE \(window) EXCEPT SELECT \(columns) FROM staging.population)) AS d
                """), 0, "staging equals the truth for the backfilled days", file: file, line: line)
        return expected
    }

    /// A connectors folder with copies of shipped manifests, each edited by `edit`.
    func connectors(_ feeds: [String: (String) -> String]) throws -> String {
        let folder = scratch.appendingPathComponent("Connectors")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, edit) in feeds {
            let source = name == "broken" ? "business" : name
            let text = try String(contentsOf: BuiltBinary.connectors.appendingPathComponent("\(source).yaml"), encoding: .utf8)
            try edit(text).write(to: folder.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        return folder.path
    }

    func pipeline(_ yaml: String) throws -> String {
        let file = scratch.appendingPathComponent("test.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    // MARK: - citypipe run

    func testARunWithOneFeedFailingLoadsTheOthersExitsTwoAndNamesIt() throws {
        let simulator = try SimulatorProcess(seed: 5, scale: 0.01)
        defer { simulator.stop() }
        let folder = try connectors([
            "population": { $0 },
            "business": { $0 },
            "broken": {
                $0.replacingOccurrences(of: "name: business", with: "name: broken")
                    .replacingOccurrences(of: "${CITYPIPE_BUSINESS_URL}", with: "${CITYPIPE_BROKEN_URL}")
                    .replacingOccurrences(of: "max_attempts: 5", with: "max_attempts: 1")
            },
        ])
        let models = BuiltBinary.connectors.deletingLastPathComponent().appendingPathComponent("Pipelines/models").path
        let file = try pipeline("""
            name: test
            concurrency: 2
            steps:
              - name: all
                ingest: [population, broken, business]
              - name: models
                transform: {models: [core.admin_unit, core.admin_crosswalk]}
            """)
        let run = try citypipe(["run", file, "--connectors", folder, "--models", models], simulator)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertEqual(run.stdout, "", "nothing on standard output for cron to mail")
        XCTAssertTrue(run.stderr.contains("feeds and models failed: broken\n"), run.stderr)
        XCTAssertFalse(run.stderr.contains("population failed"), run.stderr)

        XCTAssertGreaterThan(try count("SELECT count(*) FROM staging.population"), 13_000)
        XCTAssertGreaterThan(try count("SELECT count(*) FROM staging.business"), 100)
        let feeds = try connection.query("SELECT feed, status FROM citypipe.feed_runs ORDER BY feed")
        XCTAssertEqual(
            try feeds.map { "\(try $0.decode(String.self, "feed"))=\(try $0.decode(String.self, "status"))" },
            ["broken=failed", "business=succeeded", "population=succeeded"])
        let runRow = try connection.query("SELECT pipeline, kind, status, error FROM citypipe.runs")
        XCTAssertEqual(runRow.count, 1)
        // The transform step ran after the ingest step, on the reference data the run loaded (the geographic base
        // layer is not among these feeds: the 99 boundaries come from the reference; core.admin_boundary, which
        // core.admin_unit reads, builds empty).
        XCTAssertEqual(try count("SELECT count(*) FROM core.admin_unit WHERE province_code = '24' AND geom IS NOT NULL"), 99)
        XCTAssertEqual(try count("SELECT count(*) FROM core.admin_unit WHERE geom_source = 'reference'"), 99)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.model_runs WHERE status = 'succeeded'"), 3)
        XCTAssertEqual(try runRow[0].decode(String.self, "status"), "partial")
        XCTAssertEqual(try runRow[0].decode(String.self, "kind"), "run")
        XCTAssertTrue(try runRow[0].decode(String.self, "error").contains("broken"))

        let summary = try citypipe(["run", file, "--connectors", folder, "--models", models, "--summary"], simulator)
        XCTAssertEqual(summary.status, 2)
        XCTAssertTrue(summary.stdout.contains("FAILED"), summary.stdout)
        XCTAssertTrue(summary.stdout.contains("population"), summary.stdout)
        XCTAssertTrue(summary.stdout.contains("core.admin_unit"), summary.stdout)
    }

    func testASecondRunWhileOneIsGoingExitsOneAtOnceAndChangesNothing() throws {
        let simulator = try SimulatorProcess(seed: 6, scale: 0.01)
        defer { simulator.stop() }
        // Monthly exports at 2 requests a second: the first run takes about 40 s.
        let folder = try connectors(["insurance": { $0.replacingOccurrences(of: "rate_limit: 10", with: "rate_limit: 2") }])
        let file = try pipeline("""
            name: test
            steps:
              - name: slow
                ingest: [insurance]
            """)
        let (first, _, _) = try start(["run", file, "--connectors", folder], simulator)
        defer {
            if first.isRunning { kill(first.processIdentifier, SIGKILL) }
            first.waitUntilExit()
        }
        try waitUntil("the first run's feed load to start", changesOf: "citypipe.feed_runs") {
            try count("SELECT count(*) FROM citypipe.feed_runs WHERE status = 'running'") > 0
        }
        XCTAssertTrue(first.isRunning)
        let runsBefore = try count("SELECT count(*) FROM citypipe.runs")
        let feedRunsBefore = try count("SELECT count(*) FROM citypipe.feed_runs")

        let second = try citypipe(["run", file, "--connectors", folder], simulator)
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertLessThan(second.seconds, 15, "exits at once, not after the first run")
        XCTAssertTrue(second.stderr.contains("is in progress"), second.stderr)
        XCTAssertTrue(second.stderr.contains("without doing anything"), second.stderr)
        XCTAssertEqual(second.stdout, "")
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs"), runsBefore, "no run row for the second")
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.feed_runs"), feedRunsBefore, "no feed load started")
        XCTAssertTrue(first.isRunning, "the first run goes on")
    }

    // MARK: - citypipe backfill and status

    /// Issue 16: a backfill shared by three worker processes (as on three hosts), one of them killed with -9 in
    /// the middle: the two others claim what it held and finish; every window is loaded, staging equals the truth
    /// once each, and the killed worker's run is marked aborted by the next worker that starts.
    func testThreeBackfillWorkersShareTheWindowsAndOneKilledLosesNothing() throws {
        let simulator = try SimulatorProcess(seed: 7, scale: 0.01)
        defer { simulator.stop() }
        let folder = try connectors(["population": { $0.replacingOccurrences(of: "rate_limit: 20", with: "rate_limit: 12") }])
        let range = ["population", "--from", "2025-09-01", "--to", "2025-11-29", "--step", "day", "--connectors", folder]
        // Each worker's output goes to a file (a pipe nobody reads would fill up and stall it).
        let outputs = (0..<3).map { scratch.appendingPathComponent("worker-\($0).log") }
        let workers = try outputs.map { output in
            XCTAssertTrue(FileManager.default.createFile(atPath: output.path, contents: nil))
            let process = Process()
            process.executableURL = BuiltBinary.citypipe
            process.arguments = ["backfill"] + range + ["--worker"]
            process.environment = environment(simulator)
            let handle = try FileHandle(forWritingTo: output)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            return process
        }
        defer { workers.filter(\.isRunning).forEach { kill($0.processIdentifier, SIGKILL) } }
        func output(_ index: Int) -> String { (try? String(contentsOf: outputs[index], encoding: .utf8)) ?? "" }
        try waitUntil("20 windows loaded", changesOf: "citypipe.backfill_partitions") {
            try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE status = 'succeeded'") >= 20
        }
        let victim = workers[1]
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        for survivor in [0, 2] {
            workers[survivor].waitUntilExit()
            XCTAssertEqual(workers[survivor].terminationStatus, 0, output(survivor))
            TestLogs.record(["backfill", "--worker"], status: workers[survivor].terminationStatus, output: output(survivor))
        }
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.backfills"), 1, "the three joined one backfill")
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE status = 'succeeded'"), 90)
        XCTAssertGreaterThanOrEqual(
            try count("SELECT count(DISTINCT run_id) FROM citypipe.backfill_partitions"), 2, "the windows were shared")
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.backfills WHERE status = 'succeeded'"), 1)
        // A fourth worker on the finished range has nothing to do, and marks the killed worker's run aborted.
        let late = try citypipe(["backfill"] + range + ["--worker"], simulator)
        XCTAssertEqual(late.status, 0, late.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs WHERE kind = 'backfill' AND status = 'running'"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs WHERE kind = 'backfill' AND status = 'aborted'"), 1)

        try assertStagingEqualsTheTruthOfTheBackfilledDays(simulator)
    }

    func testABackfillKilledHalfWayAndResumedEqualsTheTruthWithTheNightlyCursorUntouched() throws {
        let simulator = try SimulatorProcess(seed: 7, scale: 0.01)
        defer { simulator.stop() }
        // One request a window, 12 a second: 90 day windows take about 8 s, long enough to be cut off.
        let folder = try connectors(["population": { $0.replacingOccurrences(of: "rate_limit: 20", with: "rate_limit: 12") }])
        try connection.query(
            "INSERT INTO citypipe.feed_state (feed, cursor_field, cursor_value) VALUES ('population', 'updated_at', '2026-01-01T00:00:00+07:00')")
        let range = ["population", "--from", "2025-09-01", "--to", "2025-11-29", "--step", "day", "--connectors", folder]

        // A dry run lists the 90 windows and changes nothing.
        let tables = "(SELECT count(*) FROM citypipe.runs) + (SELECT count(*) FROM citypipe.backfills) + (SELECT count(*) FROM citypipe.feed_runs) + (SELECT count(*) FROM citypipe.backfill_partitions)"
        let dry = try citypipe(["backfill"] + range + ["--dry-run"], simulator)
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("90 windows, 90 to load (new)"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("updated_since=2025-11-29T00%3A00%3A00%2B07%3A00&updated_before=2025-11-30T00%3A00%3A00%2B07%3A00"), dry.stdout)
        XCTAssertEqual(try count("SELECT \(tables)"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM pg_tables WHERE schemaname = 'staging'"), 0)

        // Cut off with kill -9 once about a third of the windows are in.
        let (victim, _, _) = try start(["backfill"] + range, simulator)
        try waitUntil("30 windows loaded", changesOf: "citypipe.backfill_partitions") {
            try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE status = 'succeeded'") >= 30
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        let done = try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE status = 'succeeded'")
        XCTAssertGreaterThanOrEqual(done, 30)
        XCTAssertLessThan(done, 90, "killed half-way")

        let status = try citypipe(["status", "--json", "--connectors", folder], simulator)
        XCTAssertEqual(status.status, 0, status.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        let feeds = report?["feeds"] as? [[String: Any]] ?? []
        let population = feeds.first { $0["feed"] as? String == "population" }
        let open = population?["backfills"] as? [[String: Any]] ?? []
        XCTAssertEqual(open.count, 1, status.stdout)
        XCTAssertEqual(open.first?["windows"] as? Int, 90)
        XCTAssertEqual(open.first?["succeeded"] as? Int, done)
        let table = try citypipe(["status", "--connectors", folder], simulator)
        XCTAssertTrue(table.stdout.contains("backfill #1"), table.stdout)
        XCTAssertTrue(table.stdout.contains("--resume"), table.stdout)

        // The same range again without --resume refuses to guess.
        let plain = try citypipe(["backfill"] + range, simulator)
        XCTAssertEqual(plain.status, 1)
        XCTAssertTrue(plain.stderr.contains("add --resume"), plain.stderr)

        let resumed = try citypipe(["backfill"] + range + ["--resume", "--parallel", "2"], simulator)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE status = 'succeeded'"), 90)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE attempts = 0"), 0)
        XCTAssertEqual(
            try count("SELECT count(*) FROM citypipe.runs WHERE kind = 'backfill'"), 2,
            "the killed run and the resumed one (the refused one recorded nothing)")

        // Staging holds exactly the truth of those days, once each; the nightly cursor did not move.
        let expected = try assertStagingEqualsTheTruthOfTheBackfilledDays(simulator)
        XCTAssertEqual(
            try connection.query("SELECT cursor_value, last_success_at IS NULL AS never FROM citypipe.feed_state WHERE feed = 'population'")
                .map { "\(try $0.decode(String.self, "cursor_value")) \(try $0.decode(Bool.self, "never"))" },
            ["2026-01-01T00:00:00+07:00 true"], "the nightly cursor and last success are the nightly run's")

        // Done: the same range again does nothing; --reprocess all reloads it and changes nothing.
        let again = try citypipe(["backfill"] + range, simulator)
        XCTAssertEqual(again.status, 0, again.stderr)
        // A reprocess cut off with kill -9 is finished by --resume: every window is loaded again, not only the
        // one in flight (the fault campaign's defect E).
        let (cut, _, _) = try start(["backfill"] + range + ["--reprocess", "all"], simulator)
        try waitUntil("10 windows loaded again", changesOf: "citypipe.backfill_partitions") {
            try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE status = 'succeeded' AND attempts >= 2") >= 10
        }
        kill(cut.processIdentifier, SIGKILL)
        cut.waitUntilExit()
        XCTAssertGreaterThan(try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE status <> 'succeeded'"), 0, "cut off half-way")
        let resumedReprocess = try citypipe(["backfill"] + range + ["--resume", "--parallel", "3"], simulator)
        XCTAssertEqual(resumedReprocess.status, 0, resumedReprocess.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.backfill_partitions WHERE status = 'succeeded' AND attempts >= 2"), 90)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.runs WHERE kind = 'backfill' AND status = 'running'"), 0)
        let reprocessed = try citypipe(["backfill"] + range + ["--reprocess", "all", "--parallel", "3"], simulator)
        XCTAssertEqual(reprocessed.status, 0, reprocessed.stderr)
        XCTAssertTrue(reprocessed.stdout.contains(#""staged":0"#), reprocessed.stdout)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.population WHERE _deleted_at IS NULL"), expected)
        let after = try citypipe(["status", "--json", "--connectors", folder], simulator)
        XCTAssertFalse(after.stdout.contains("backfill_id"), "no open backfill left: \(after.stdout)")
    }
}
