import Foundation
import HTTPTypes
import HummingbirdTesting
import OpsAPI
import Postgres
import XCTest

/// Bad requests get 400 naming the problem, never a 500, and nothing they carry is executed.
final class BadRequestTests: XCTestCase {
    static let view = "/v1/views/integrated.commune_profile"

    func testMistakesAreAnswered400NamingTheProblem() async throws {
        let fixture = try APIFixture.get()
        let cases: [(query: String, code: String)] = [
            ("colour=eq.red", "unknown_column"),
            ("bad-name=1", "unknown_parameter"),
            ("limit=0", "bad_limit"),
            ("limit=10001", "bad_limit"),
            ("limit=many", "bad_limit"),
            ("limit=all", "bad_limit"),
            ("offset=-1", "bad_offset"),
            ("cursor=not*a*cursor", "bad_cursor"),
            ("cursor=QUJDREVGR0hJSktMTU5PUA", "bad_cursor"),
            ("population=between.1", "bad_filter"),
            ("population=gte", "bad_filter"),
            ("population=eq.abc", "bad_filter_value"),
            ("population=in.(1,2", "bad_filter"),
            ("ward_code=is.maybe", "bad_filter"),
            ("geom=eq.x", "bad_filter"),
            ("select=ward_code,nothing", "unknown_column"),
            ("select=", "bad_select"),
            ("order=population.sideways", "bad_order"),
            ("order=geom", "bad_order"),
            ("count=all", "bad_count"),
            ("format=xml", "bad_format"),
            ("limit=5&limit=6", "repeated_parameter"),
            ("q=", "bad_search"),
        ]
        try await withAPI(fixture) { client, _ in
            for (query, code) in cases {
                let response = try await client.execute(uri: "\(Self.view)?\(query)", method: .get, headers: fixture.headers(.viewer))
                XCTAssertEqual(response.status, .badRequest, "\(query): \(response.text)")
                XCTAssertEqual(response.errorCode, code, "\(query): \(response.text)")
                XCTAssertEqual(response.headers[.contentType], "application/json; charset=utf-8")
            }
            // A cursor given for one order is refused for another.
            let page = try await client.execute(uri: "\(Self.view)?limit=2&order=population", method: .get, headers: fixture.headers(.viewer)).json()
            let cursor = try XCTUnwrap(page["next_cursor"] as? String)
            let other = try await client.execute(uri: "\(Self.view)?limit=2&cursor=\(cursor)", method: .get, headers: fixture.headers(.viewer))
            XCTAssertEqual(other.status, .badRequest)
            XCTAssertEqual(other.errorCode, "bad_cursor")
            // A cursor with a byte changed is refused.
            var bytes = Array(cursor)
            bytes[5] = bytes[5] == "A" ? "B" : "A"
            let tampered = try await client.execute(uri: "\(Self.view)?limit=2&order=population&cursor=\(String(bytes))", method: .get, headers: fixture.headers(.viewer))
            XCTAssertEqual(tampered.status, .badRequest, tampered.text)
            // Unknown view and unknown route.
            let unknown = try await client.execute(uri: "/v1/views/integrated.nothing", method: .get, headers: fixture.headers(.viewer))
            XCTAssertEqual(unknown.status, .notFound)
            let route = try await client.execute(uri: "/v1/nothing", method: .get, headers: fixture.headers(.viewer))
            XCTAssertEqual(route.status, .notFound)
            // Accept naming nothing served.
            let xml = try await client.execute(uri: Self.view, method: .get, headers: fixture.headers(.viewer, accept: "application/xml"))
            XCTAssertEqual(xml.status, .notAcceptable)
        }
    }

    func testSQLInjectionAttemptsAreRefusedAndNothingRuns() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        try connection.simpleExecute("CREATE TABLE IF NOT EXISTS public.canary (x int); GRANT SELECT ON public.canary TO citypipe_api")
        let attempts = [
            "select=ward_code;DROP TABLE public.canary",
            "select=ward_code,(SELECT 1)",
            "select=ward_code%20FROM%20public.canary--",
            "select=*",
            "order=population;DROP TABLE public.canary",
            "order=(SELECT 1)",
            "order=population.desc,1",
            "ward_code=eq.1';DROP TABLE public.canary;--",
            "ward_code=in.(1'),(2",
            "ward_code=like.%27%20OR%201=1--",
            "population=eq.1%20OR%201=1",
            "population=gt.0);DROP TABLE public.canary;--",
            "ward_name=ilike.*';SELECT pg_sleep(10);--",
            "ward_code%3Bdrop=eq.1",
            "%22ward_code%22=eq.1",
            "ward_code=not.is.null;DELETE",
            "limit=1;DROP TABLE public.canary",
            "cursor=';DROP TABLE public.canary;--",
        ]
        try await withAPI(fixture) { client, _ in
            for attempt in attempts {
                let response = try await client.execute(uri: "\(Self.view)?\(attempt)", method: .get, headers: fixture.headers(.viewer))
                // A value that is only a value (an odd ward code) may legitimately match nothing: 200 with no rows.
                if response.status == .ok {
                    let rows = try response.json()["rows"] as? [Any] ?? []
                    XCTAssertTrue(rows.isEmpty, "\(attempt) matched rows: \(response.text.prefix(200))")
                } else {
                    XCTAssertEqual(response.status, .badRequest, "\(attempt): \(response.text)")
                }
            }
        }
        XCTAssertEqual(try connection.query("SELECT to_regclass('public.canary') IS NOT NULL AS present")[0].decode(Bool.self, "present"), true)
        try connection.simpleExecute("DROP TABLE public.canary")
    }
}
