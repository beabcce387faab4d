import Foundation
import TestSupport
import XCTest

/// Runs the built `citypipe` binary as an operator would.
final class CLITests: XCTestCase {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL { BuiltBinary.citypipe }

    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    func testBinaryIsBuilt() {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: CLITests.binary.path), CLITests.binary.path)
    }

    func testDatabaseCommandsOnTheEmbeddedCluster() throws {
        _ = try TestCluster.cluster()
        let home = ["CITYPIPE_HOME": TestCluster.home.path]
        let up = try run(["db", "up"], environment: home)
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertTrue(up.stdout.contains("already running"), up.stdout)
        let migrate = try run(["db", "migrate"], environment: home)
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        let again = try run(["db", "migrate"], environment: home)
        XCTAssertTrue(again.stdout.contains("0 applied"), again.stdout)
        XCTAssertTrue(again.stdout.contains("reference data unchanged"), again.stdout)
        let status = try run(["db", "status"], environment: home)
        XCTAssertEqual(status.status, 0, status.stderr)
        for expected in ["10,035", "3,321", "99", "PostGIS"] {
            XCTAssertTrue(status.stdout.contains(expected), "\(expected) missing from: \(status.stdout)")
        }
        let psql = try run(["db", "psql", "-At", "-c", "SELECT ward_name FROM ref.admin_unit_2025 WHERE ward_code = '09169'"], environment: home)
        XCTAssertEqual(psql.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "Phường Vũ Ninh", psql.stderr)
        let url = try run(["db", "url"], environment: home)
        XCTAssertTrue(url.stdout.hasPrefix("postgresql://citypipe@/citypipe?host="), url.stdout)
    }

    func testDatabaseURLFlagWinsAndErrorsExitOne() throws {
        let outcome = try run(
            ["db", "migrate", "--database-url", "host=/nonexistent-dir port=1 connect_timeout=2"],
            environment: ["CITYPIPE_HOME": TestCluster.home.path])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertTrue(outcome.stderr.contains("/nonexistent-dir"), outcome.stderr)
    }

    func testNormalizePrintsOneJSONObjectPerValue() throws {
        let outcome = try run(["normalize", "vn_phone", "0168 123 4567", "+84 222 3821 234", "12345"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let lines = outcome.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        XCTAssertEqual(objects[0]["ok"] as? Bool, true)
        XCTAssertEqual(objects[0]["value"] as? String, "+84381234567")
        XCTAssertEqual(objects[2]["ok"] as? Bool, false)
        XCTAssertNotNil(objects[2]["reason"] as? String)
        XCTAssertFalse((objects[2]["reason"] as? String ?? "").contains("12345"), "reasons never quote the input")
    }

    func testNormalizeReadsStandardInputAndUsesTheAsOfDate() throws {
        let before = try run(["normalize", "vn_admin_unit", "--as-of", "2024-06-01"], stdin: "09169\n")
        let after = try run(["normalize", "vn_admin_unit", "--as-of", "2025-08-01"], stdin: "09169\n")
        let old = try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any]
        let new = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any]
        // Before the reform 09169 was Phường Thị Cầu, which went whole into the new Phường Vũ Ninh (09169).
        XCTAssertEqual(old?["value"] as? String, "09169")
        XCTAssertEqual(new?["value"] as? String, "09169")
        let name = try run(["normalize", "vn_person_name"], stdin: "NGUYỄN   thị hòa\n")
        let parsed = try JSONSerialization.jsonObject(with: Data(name.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["key"] as? String, "nguyen thi hoa")
        let unknown = try run(["normalize", "vn_shoe_size", "42"])
        XCTAssertNotEqual(unknown.status, 0)
    }

    static var connectors: URL { BuiltBinary.connectors }

    func testCheckPassesOnTheShippedManifestsAndNamesFileKeyAndLineOnABrokenCopy() throws {
        let good = try run(["check", "--connectors", CLITests.connectors.path])
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        for feed in ["population", "business", "insurance"] {
            XCTAssertTrue(good.stdout.contains("OK  \(feed).yaml"), good.stdout)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("connectors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try String(contentsOf: CLITests.connectors.appendingPathComponent("population.yaml"), encoding: .utf8)
        let broken = original.replacingOccurrences(of: "    type: date\n", with: "    type: datee\n")
        XCTAssertNotEqual(broken, original)
        try broken.write(to: folder.appendingPathComponent("population.yaml"), atomically: true, encoding: .utf8)
        let line = (broken.components(separatedBy: "\n").firstIndex { $0.contains("type: datee") } ?? -1) + 1
        let bad = try run(["check", "--connectors", folder.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stdout.contains("population.yaml:\(line):"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("fields.birth_date.type"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("did you mean 'date'"), bad.stdout)
    }

    func testIngestNamesUnknownFeedsAndFeedsThatCannotRun() throws {
        _ = try TestCluster.cluster()
        let home = ["CITYPIPE_HOME": TestCluster.home.path]
        let unknown = try run(["ingest", "cadastre", "--connectors", CLITests.connectors.path], environment: home)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no manifest"), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("population"), "lists the feeds there are: \(unknown.stderr)")
        // The variables that point the manifest at its source are not set: the feed fails, named, exit 2.
        let unset = try run(["ingest", "business", "--connectors", CLITests.connectors.path], environment: home)
        XCTAssertEqual(unset.status, 2, unset.stdout + unset.stderr)
        XCTAssertTrue(unset.stdout.contains(#""event":"feed.failed""#), unset.stdout)
        XCTAssertTrue(unset.stdout.contains("CITYPIPE_BUSINESS_API_KEY"), unset.stdout)
        XCTAssertTrue(unset.stderr.contains("failed feeds: business"), unset.stderr)
    }

    func testCheckValidatesPipelinesAndRunRefusesAnInvalidOne() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipelines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "name: nightly\nsteps:\n  - name: national\n    ingest: [population, busines]\n"
            .write(to: folder.appendingPathComponent("nightly.yaml"), atomically: true, encoding: .utf8)
        let pipelines = CLITests.connectors.deletingLastPathComponent().appendingPathComponent("Pipelines").path
        let good = try run(["check", "--connectors", CLITests.connectors.path, "--pipelines", pipelines])
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        XCTAssertTrue(good.stdout.contains("OK  \(pipelines)/nightly.yaml"), good.stdout)
        let bad = try run(["check", "--connectors", CLITests.connectors.path, "--pipelines", folder.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stdout.contains("nightly.yaml:4:"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("steps[0].ingest[1]: no connector manifest 'busines.yaml' (did you mean 'business'?)"), bad.stdout)
        XCTAssertTrue(bad.stderr.contains("1 pipeline invalid"), bad.stderr)
        // `run` checks before it touches any database: exit 1, the problem on standard error.
        let refused = try run(
            ["run", "nightly", "--pipelines", folder.path, "--connectors", CLITests.connectors.path,
             "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertTrue(refused.stderr.contains("did you mean 'business'"), refused.stderr)
        let missing = try run(["run", "weekly", "--pipelines", folder.path, "--connectors", CLITests.connectors.path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("pipelines: nightly"), missing.stderr)
    }

    func testStatusOnAnEmptyDatabaseListsTheFeedsAsNeverLoaded() throws {
        _ = try TestCluster.cluster()
        let database = try TestCluster.makeDatabase("status")
        defer { database.drop() }
        let table = try run(["status", "--connectors", CLITests.connectors.path, "--database-url", database.url])
        XCTAssertEqual(table.status, 0, table.stderr)
        for feed in ["population", "business", "insurance"] {
            XCTAssertTrue(table.stdout.contains("\(feed)  "), table.stdout)
        }
        XCTAssertTrue(table.stdout.contains("never"), table.stdout)
        let json = try run(["status", "--json", "--connectors", CLITests.connectors.path, "--database-url", database.url])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let manifests = try FileManager.default.contentsOfDirectory(atPath: CLITests.connectors.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual((object?["feeds"] as? [Any])?.count, manifests.count)
        XCTAssertEqual((object?["runs"] as? [Any])?.count, 0)
    }
}
