import Foundation
import HTTPTypes
import HummingbirdTesting
import OpsAPI
import Postgres
import Transform
import XCTest

/// Every view × every role × every format, against the simulator's truth: what each role may read, and that no
/// citizen ID, name or phone of the truth reaches a viewer or an analyst in any body.
final class RoleMatrixTests: XCTestCase {
    static let formats = ["json", "csv", "ndjson", "geojson"]

    func testEveryViewEveryRoleEveryFormat() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, service in
            let catalog = try await client.execute(uri: "/v1/views", method: .get, headers: fixture.headers(.officer)).json()
            let views = (catalog["views"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            let models = try ModelCatalog(directory: APIFixture.root.appendingPathComponent("Pipelines/models")).models.count
            XCTAssertEqual(views.count, models, "every model is a view for an officer")
            var checked = 0
            for view in views {
                let descriptor = (catalog["views"] as? [[String: Any]])?.first { $0["name"] as? String == view }
                let personal = descriptor?["personal"] as? Bool ?? false
                let geometry = descriptor?["geometry"] as? String != nil
                for role in Role.allCases {
                    for format in Self.formats {
                        let limit = format == "csv" || format == "ndjson" ? "all" : "10000"
                        let uri = "/v1/views/\(view)?format=\(format)&limit=\(limit)"
                        let response = try await client.execute(
                            uri: uri, method: .get, headers: fixture.headers(role, purpose: role == .officer ? "data-quality" : nil))
                        let expected: HTTPResponse.Status
                        switch role {
                        case .auditor: expected = .forbidden
                        case .viewer, .operator: expected = personal ? .forbidden : (format == "geojson" && !geometry ? .badRequest : .ok)
                        case .analyst, .officer: expected = format == "geojson" && !geometry ? .badRequest : .ok
                        }
                        XCTAssertEqual(response.status, expected, "\(role.rawValue) \(uri): \(response.text.prefix(300))")
                        if role == .viewer || role == .analyst {
                            let leaked = Self.leaks(response.text, fixture)
                            XCTAssertTrue(leaked.isEmpty, "\(role.rawValue) \(uri) shows \(leaked.count) values of the truth's personal data")
                        }
                        checked += 1
                    }
                }
            }
            XCTAssertEqual(checked, views.count * Role.allCases.count * Self.formats.count)
        }
    }

    func testAnAnalystSeesStablePseudonymsAndBirthYearsNeverNamesOrPhones() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            let person = try await client.execute(uri: "/v1/views/core.person?limit=5", method: .get, headers: fixture.headers(.analyst)).json()
            let rows = person["rows"] as? [[String: Any]] ?? []
            XCTAssertEqual(rows.count, 5)
            for row in rows {
                XCTAssertNil(row["full_name"], "names are withheld")
                XCTAssertNil(row["phone"], "phones are withheld")
                XCTAssertNil(row["name_key"], "name keys are withheld")
                let pseudonym = try XCTUnwrap(row["person_id"] as? String)
                XCTAssertEqual(pseudonym.count, 32)
                XCTAssertTrue(pseudonym.allSatisfy(\.isHexDigit))
                let year = try XCTUnwrap(row["birth_date"] as? Int)
                XCTAssertTrue((1900...2026).contains(year), "a birth date becomes its year")
            }
            // The same person has the same pseudonym in another view (analysts can join without the ID).
            let first = try XCTUnwrap(rows.first?["person_id"] as? String)
            let citizen = try await client.execute(
                uri: "/v1/views/integrated.citizen_360?person_id=eq.\(first)", method: .get, headers: fixture.headers(.analyst)).json()
            XCTAssertEqual((citizen["rows"] as? [[String: Any]])?.first?["person_id"] as? String, first)
            // The pseudonym is the keyed HMAC computed in PostgreSQL.
            let connection = try fixture.database.connect()
            defer { connection.close() }
            let expected = try connection.query(
                "SELECT left(encode(hmac(person_id, $1::text, 'sha256'), 'hex'), 32) AS p FROM core.person ORDER BY person_id LIMIT 1",
                ["pseudonym:" + APIFixture.secret])[0].decode(String.self, "p")
            XCTAssertEqual(first, expected)
        }
    }

    func testAViewerSeesSmallCountsSuppressedAndFlagged() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            let page = try await client.execute(
                uri: "/v1/views/integrated.commune_profile?limit=200", method: .get, headers: fixture.headers(.viewer)).json()
            let rows = page["rows"] as? [[String: Any]] ?? []
            XCTAssertEqual(rows.count, 99, "the 99 wards")
            let connection = try fixture.database.connect()
            defer { connection.close() }
            let small = try connection.query(
                "SELECT count(*) AS n FROM integrated.commune_profile WHERE benefit_claims < 5 OR job_seekers < 5 OR population < 5")[0].decode(Int.self, "n")
            XCTAssertGreaterThan(small, 0, "the data has small counts to suppress")
            var suppressed = 0
            for row in rows {
                let flags = row["_suppressed"] as? [String] ?? []
                for column in ["population", "job_seekers", "benefit_claims", "health_encounters"] {
                    if let value = row[column] as? Int { XCTAssertGreaterThanOrEqual(value, 5, "\(column) below 5 is shown") }
                    if flags.contains(column) {
                        XCTAssertTrue(row[column] is NSNull, "a suppressed \(column) is null")
                        suppressed += 1
                    }
                }
            }
            XCTAssertGreaterThan(suppressed, 0)
            // An analyst sees them.
            let analyst = try await client.execute(
                uri: "/v1/views/integrated.commune_profile?limit=200&select=ward_code,benefit_claims", method: .get, headers: fixture.headers(.analyst)).json()
            XCTAssertTrue((analyst["rows"] as? [[String: Any]] ?? []).contains { ($0["benefit_claims"] as? Int).map { $0 < 5 } ?? false })
        }
    }

    /// Values of the truth's personal data in a body: every field (JSON strings and numbers, CSV fields) that is
    /// a citizen ID, a name or a phone of the truth.
    static func leaks(_ body: String, _ fixture: APIFixture) -> [String] {
        let separators = CharacterSet(charactersIn: "\",\n\r{}[]:")
        return body.components(separatedBy: separators).filter { token in
            !token.isEmpty && (fixture.truthIDs.contains(token) || fixture.truthNames.contains(token) || fixture.truthPhones.contains(token))
        }
    }
}
