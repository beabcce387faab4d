import AsyncHTTPClient
import Foundation
import Hummingbird
import Ingest
import Manifest
import NIOCore
import Postgres
import TestSupport
import Warehouse
import XCTest

/// The shipped manifests of Connectors/ run end to end against a small stand-in of the sources on loopback and
/// the embedded PostgreSQL.
final class ConnectorRunnerTests: DatabaseTestCase {
    override var databasePrefix: String { "runner" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Migrator().migrate(connection, try Warehouse.migrations())
    }

    static var connectors: URL { BuiltBinary.connectors }

    func manifest(_ name: String, _ environment: [String: String]) throws -> ConnectorManifest {
        let loader = ManifestLoader(knownSemantics: ManifestCatalog.knownSemantics)
        let file = ConnectorRunnerTests.connectors.appendingPathComponent("\(name).yaml")
        return try Placeholders.resolve(try loader.loadValid(contentsOf: file), file: file.path, environment: environment)
    }

    func ingest(_ manifest: ConnectorManifest) async throws -> StagingLoad.Report {
        let runID = try RunLedger.start(connection, pipeline: "test", kind: .ingest)
        let fast = ConnectorManifestTweaks.fastRetries(manifest)
        return try await ConnectorRunner(manifest: fast).run(connection: connection, runID: runID)
    }

    func rows(_ sql: String) throws -> [[String?]] {
        try connection.query(sql).values
    }

    // MARK: - population: OAuth2, cursor pages, incremental

    func testPopulationLoadsEveryPageIncrementallyAndRefreshesAnExpiredToken() async throws {
        let source = PopulationSource(people: 2_345)
        let server = try await LoopbackServer.start(source.router())
        defer { server.stop() }
        let env = [
            "CITYPIPE_POPULATION_URL": server.base, "CITYPIPE_POPULATION_CLIENT_ID": "lgsp",
            "CITYPIPE_POPULATION_CLIENT_SECRET": "s3cret",
        ]
        let population = try manifest("population", env)

        let first = try await ingest(population)
        XCTAssertEqual(first.rowsIn, 2_345)
        XCTAssertEqual(first.rowsRejected, 1, "the record with 31/02 as its birth date")
        XCTAssertEqual(first.rowsStaged, 2_344)
        XCTAssertEqual(try rows("SELECT count(*) FROM staging.population")[0][0], "2344")
        XCTAssertEqual(
            try rows("SELECT field, position FROM citypipe.rejects WHERE feed = 'population'")[0], ["birth_date", "1000"])
        let tokens = await source.tokensIssued
        XCTAssertGreaterThanOrEqual(tokens, 2, "the token expired after 2 pages and was renewed")
        let cursor = try rows("SELECT cursor_value FROM citypipe.feed_state WHERE feed = 'population'")[0][0]
        XCTAssertEqual(cursor, "2025-07-10T00:49:12+07:00", "the latest updated_at staged (person 2,344: 2,344 × 333 s after 1 July)")

        // Nothing changed: the second run asks from the cursor minus the lookback and stages nothing new.
        let second = try await ingest(population)
        XCTAssertEqual(second.rowsStaged, 0)
        XCTAssertLessThan(second.rowsIn, 100, "only the lookback window was asked for")

        // A record changes at the source: it replaces its staged row.
        await source.rename(index: 42, to: "Nguyễn Thị Hoà")
        let third = try await ingest(population)
        XCTAssertEqual(third.rowsStaged, 1)
        XCTAssertEqual(
            try rows("SELECT full_name FROM staging.population WHERE citizen_id = '\(PopulationSource.id(42))'")[0][0],
            "Nguyễn Thị Hoà")
        XCTAssertEqual(try rows("SELECT count(*) FROM staging.population")[0][0], "2344", "no duplicates")
    }

    // MARK: - insurance: monthly gzip CSV windows

    /// The shipped insurance manifest against the stand-in `InsuranceSource` served by `server`, from May 2025.
    func insuranceManifest(_ server: LoopbackServer) throws -> ConnectorManifest {
        var insurance = try manifest(
            "insurance",
            ["CITYPIPE_INSURANCE_URL": server.base, "CITYPIPE_INSURANCE_USER": "bhxh", "CITYPIPE_INSURANCE_PASSWORD": "pw"])
        insurance.incremental?.startDatetime = "2025-05"
        return insurance
    }

    func testInsuranceMonthlyGzipExportsSurviveATruncatedBody() async throws {
        let source = try InsuranceSource()
        let server = try await LoopbackServer.start(source.router())
        defer { server.stop() }
        let insurance = try insuranceManifest(server)
        let report = try await ingest(insurance)
        let months = try rows("SELECT to_char(period, 'YYYY-MM'), count(*) FROM staging.insurance GROUP BY 1 ORDER BY 1")
        XCTAssertEqual(months.first, ["2025-05", "3"])
        XCTAssertTrue(months.contains(["2025-06", "3"]))
        XCTAssertEqual(report.rowsRejected, 0)
        let truncated = await source.truncatedOnce
        XCTAssertTrue(truncated, "June's first body was cut off and fetched again")
        XCTAssertEqual(try rows("SELECT count(*) FROM staging.insurance WHERE period = '2025-06-01'")[0][0], "3", "no half load")
        XCTAssertEqual(try rows("SELECT employer_tax_code FROM staging.insurance WHERE insurance_code = '2701000001' AND period = '2025-05-01'")[0][0], "2300325764")
        XCTAssertEqual(
            try rows("SELECT cursor_value FROM citypipe.feed_state WHERE feed = 'insurance'")[0][0], "2025-06",
            "the cursor is the latest month with data; later months were asked for and were empty")
    }

    /// A nightly load sends back the ETag of each month it staged; an unchanged month answers 304 and is not read
    /// again, an amended one is; a backfill window asks unconditionally.
    func testAnUnchangedMonthIsNotReadAgainWhenTheSourceAnswersNotModified() async throws {
        let source = try InsuranceSource()
        let server = try await LoopbackServer.start(source.router())
        defer { server.stop() }
        let insurance = try insuranceManifest(server)
        let first = try await ingest(insurance)
        XCTAssertEqual(first.rowsIn, 6)
        XCTAssertEqual(
            try rows("SELECT right(url, 14), etag FROM citypipe.http_validators WHERE feed = 'insurance' ORDER BY url"),
            [["period=2025-05", "\"v1-2025-05\""], ["period=2025-06", "\"v1-2025-06\""]],
            "the months with a file; their URLs without the credentials")

        // The next night reads June again (the cursor's month, for late corrections): unchanged, 304.
        let second = try await ingest(insurance)
        XCTAssertEqual(second.rowsIn, 0)
        let notModified = await source.notModified
        XCTAssertEqual(notModified, 1)
        XCTAssertEqual(second.documentsNotModified, 1)
        XCTAssertEqual(try rows("SELECT count(*) FROM staging.insurance WHERE _deleted_at IS NULL")[0][0], "6")

        // June amended: its new version is read and staged, and its new tag kept.
        try await source.amend("2025-06", rows: 4)
        let third = try await ingest(insurance)
        XCTAssertEqual(third.rowsIn, 4)
        XCTAssertEqual(third.rowsStaged, 1, "the fourth participant; the three others are unchanged")
        XCTAssertEqual(try rows("SELECT etag FROM citypipe.http_validators WHERE url LIKE '%period=2025-06'")[0][0], "\"v2-2025-06\"")

        // A backfill window of June reads it whatever its tag.
        let asked = await source.conditions.count
        let runID = try RunLedger.start(connection, pipeline: "test", kind: .ingest)
        let window = try XCTUnwrap(try BackfillPlan(manifest: insurance, from: "2025-06", to: "2025-06", step: .month).windows.first)
        let backfill = try await ConnectorRunner(manifest: ConnectorManifestTweaks.fastRetries(insurance))
            .run(connection: connection, runID: runID, window: window)
        XCTAssertEqual(backfill.rowsIn, 4)
        let askedAfter = await source.conditions.count
        XCTAssertEqual(askedAfter, asked, "no If-None-Match in a backfill")
    }
}

/// Speeds up retries for tests.
enum ConnectorManifestTweaks {
    static func fastRetries(_ manifest: ConnectorManifest) -> ConnectorManifest {
        var copy = manifest
        copy.retry.initialDelay = ManifestDuration(seconds: 0.01)
        copy.rateLimit = nil
        return copy
    }
}
