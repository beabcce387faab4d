import Foundation
import HTTPTypes
import HummingbirdTesting
import OpsAPI
import Postgres
import TestSupport
import XCTest

/// `/v1/communes/{code}` across the 2025 reform, and the officer's purpose and audit trail.
final class CommuneAndAuditTests: XCTestCase {
    func testACommuneByItsPostReformCodeOrAnOldCodeWithADate() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        let merged = try connection.query(
            """
            SELECT c.old_code, c.new_code FROM core.admin_crosswalk AS c JOIN integrated.commune_profile AS p ON p.ward_code = c.new_code
            WHERE NOT c.ambiguous AND c.old_code <> c.new_code ORDER BY c.old_code LIMIT 1
            """)[0]
        let oldCode = try merged.decode(String.self, "old_code")
        let newCode = try merged.decode(String.self, "new_code")
        let split = try connection.query(
            "SELECT old_code FROM core.admin_crosswalk WHERE ambiguous AND old_code LIKE ANY(ARRAY['09%', '07%', '08%']) ORDER BY old_code LIMIT 1"
        ).first?.decode(String.self, "old_code")
        try await withAPI(fixture) { client, _ in
            let today = try await client.execute(uri: "/v1/communes/\(newCode)", method: .get, headers: fixture.headers(.viewer))
            XCTAssertEqual(today.status, .ok, today.text)
            let body = try today.json()
            XCTAssertEqual((body["ward"] as? [String: Any])?["ward_code"] as? String, newCode)
            XCTAssertTrue(body["crosswalk"] is NSNull)
            let old = try await client.execute(uri: "/v1/communes/\(oldCode)?asOf=2024-06-30", method: .get, headers: fixture.headers(.viewer)).json()
            XCTAssertEqual((old["ward"] as? [String: Any])?["ward_code"] as? String, newCode)
            XCTAssertEqual((old["crosswalk"] as? [String: Any])?["old_code"] as? String, oldCode)
            XCTAssertNotNil((old["crosswalk"] as? [String: Any])?["rule"] as? String)
            // After the reform the same code means the post-2025 ward (or nothing).
            let later = try await client.execute(uri: "/v1/communes/\(oldCode)?asOf=2025-07-01", method: .get, headers: fixture.headers(.viewer))
            XCTAssertTrue(later.status == .notFound || ((try? later.json()["ward"] as? [String: Any])?["ward_code"] as? String) == oldCode)
            if let split {
                let choices = try await client.execute(uri: "/v1/communes/\(split)?asOf=2024-01-01", method: .get, headers: fixture.headers(.viewer))
                XCTAssertEqual(choices.status, .multipleChoices, choices.text)
                XCTAssertGreaterThan((try choices.json()["candidates"] as? [Any])?.count ?? 0, 1)
            }
            for (uri, status) in [("/v1/communes/12", HTTPResponse.Status.badRequest), ("/v1/communes/99999", .notFound),
                                  ("/v1/communes/\(newCode)?asOf=yesterday", .badRequest), ("/v1/communes/\(newCode)?when=1", .badRequest)] {
                let response = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.viewer))
                XCTAssertEqual(response.status, status, "\(uri): \(response.text)")
            }
        }
    }

    func testOfficersStateAPurposeAndEveryReadIsAuditedInAVerifiableChain() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        let before = try connection.query("SELECT coalesce(sum(row_count), 0)::int AS n, count(*)::int AS r FROM citypipe.audit_log")[0]
        let rowsBefore = try before.decode(Int.self, "n")
        let person = try connection.query("SELECT person_id FROM core.person ORDER BY person_id OFFSET 17 LIMIT 1")[0].decode(String.self, "person_id")
        try await withAPI(fixture) { client, _ in
            let missing = try await client.execute(uri: "/v1/views/core.person?limit=3", method: .get, headers: fixture.headers(.officer))
            XCTAssertEqual(missing.status, .badRequest)
            XCTAssertEqual(missing.errorCode, "purpose_required")
            let wrong = try await client.execute(uri: "/v1/views/core.person?limit=3", method: .get, headers: fixture.headers(.officer, purpose: "curiosity"))
            XCTAssertEqual(wrong.errorCode, "bad_purpose")
            let read = try await client.execute(
                uri: "/v1/views/core.person?person_id=eq.\(person)", method: .get, headers: fixture.headers(.officer, purpose: "public-service"))
            XCTAssertEqual(read.status, .ok)
            XCTAssertEqual((try read.json()["rows"] as? [[String: Any]])?.first?["person_id"] as? String, person, "an officer sees the ID")
            let page = try await client.execute(uri: "/v1/views/integrated.citizen_360?limit=250", method: .get, headers: fixture.headers(.officer, purpose: "data-quality"))
            XCTAssertEqual((try page.json()["rows"] as? [Any])?.count, 250)
            // An auditor finds who read that person, when and why.
            let audit = try await client.execute(uri: "/v1/audit?subject=\(person)", method: .get, headers: fixture.headers(.auditor)).json()
            let reads = audit["reads"] as? [[String: Any]] ?? []
            XCTAssertTrue(reads.contains { $0["purpose"] as? String == "public-service" && $0["view"] as? String == "core.person" && $0["token"] as? String == "test-officer" })
            let forbidden = try await client.execute(uri: "/v1/audit?subject=\(person)", method: .get, headers: fixture.headers(.officer, purpose: "data-quality"))
            XCTAssertEqual(forbidden.status, .forbidden)
        }
        let after = try connection.query("SELECT coalesce(sum(row_count), 0)::int AS n FROM citypipe.audit_log")[0].decode(Int.self, "n")
        XCTAssertEqual(after - rowsBefore, 251, "one audited row per personal row served")
        XCTAssertNil(try AuditChain.verify(connection).firstBroken, "the chain holds")
        // Altered by hand: the chain names the row.
        let target = try connection.query("SELECT max(audit_id) AS id FROM citypipe.audit_log")[0].decode(Int64.self, "id")
        try connection.query("UPDATE citypipe.audit_log SET purpose = 'legal-obligation' WHERE audit_id = $1", [target])
        let report = try AuditChain.verify(connection)
        XCTAssertEqual(report.firstBroken?.auditID, target)
        // And through the command line (exit 2, the row named).
        let cli = try runCitypipe(["audit", "verify"], databaseURL: fixture.database.url)
        XCTAssertEqual(cli.status, 2, cli.output)
        XCTAssertTrue(cli.output.contains("row \(target)"), cli.output)
        try connection.query("UPDATE citypipe.audit_log SET purpose = 'data-quality' WHERE audit_id = $1", [target])
        XCTAssertNil(try AuditChain.verify(connection).firstBroken, "restored, the chain holds again")
    }
}

/// Runs the built `citypipe` with `DATABASE_URL`, returning its status and output.
func runCitypipe(_ arguments: [String], databaseURL: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = BuiltBinary.citypipe
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["DATABASE_URL"] = databaseURL
    process.environment = environment
    process.currentDirectoryURL = APIFixture.root
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    TestLogs.record(arguments, status: process.terminationStatus, output: text)
    return (process.terminationStatus, text)
}
