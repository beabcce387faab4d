import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import OpsAPI
import Postgres
import XCTest

/// The status, health and document endpoints, authentication, and the OpenAPI document against the router.
final class EndpointTests: XCTestCase {
    func testHealthReadyMetricsAndTheOpenAPIDocument() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            let health = try await client.execute(uri: "/health", method: .get)
            XCTAssertEqual(health.status, .ok)
            let ready = try await client.execute(uri: "/ready", method: .get)
            XCTAssertEqual(ready.status, .ok, ready.text)
            XCTAssertEqual(try ready.json()["status"] as? String, "ready")
            _ = try await client.execute(uri: "/v1/views/integrated.commune_profile?limit=3", method: .get, headers: fixture.headers(.viewer))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            XCTAssertEqual(metrics.status, .ok)
            for name in ["citypipe_http_requests_total", "citypipe_http_request_duration_seconds_bucket", "citypipe_pool_connections",
                         "citypipe_pool_waiting", "citypipe_rows_streamed_total", "citypipe_feed_lag_seconds", "citypipe_last_run_status"] {
                XCTAssertTrue(metrics.text.contains(name), "metrics lack \(name)")
            }
            XCTAssertTrue(metrics.text.contains(#"route="/v1/views/{name}""#), "requests are counted by route template")
            XCTAssertFalse(metrics.text.contains("commune_profile?"), "no query value becomes a label")
            let document = try await client.execute(uri: "/openapi.json", method: .get).json()
            XCTAssertEqual(document["openapi"] as? String, "3.0.3")
            let yaml = try await client.execute(uri: "/openapi.yaml", method: .get)
            XCTAssertEqual(yaml.status, .ok)
            let unknownParameter = try await client.execute(uri: "/health?x=1", method: .get)
            XCTAssertEqual(unknownParameter.status, .badRequest)
        }
    }

    func testTheOpenAPIDocumentHasExactlyTheRoutesOfTheRouter() throws {
        let fixture = try APIFixture.get()
        let service = try fixture.service()
        defer { service.shutdown() }
        let routes = OpsServer.routerAndRoutes(service: service).routes
        let registered = Set(routes.map { "\($0.method) \($0.path)" })
        let document = OpenAPIDocument.object()
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        XCTAssertEqual(registered.subtracting(documented), [], "routes the document lacks")
        XCTAssertEqual(documented.subtracting(registered), [], "documented routes that do not exist")
        XCTAssertEqual(registered.count, routes.count, "no route registered twice")
        // Every secured operation names the security scheme; every operation documents 400.
        for (path, operations) in paths {
            for (method, operation) in operations {
                let responses = (operation as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                XCTAssertNotNil(responses["400"], "\(method) \(path) documents 400")
            }
        }
    }

    func testTokensAreRequiredCheckedAndRevocable() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        let token = try TokenStore.create(connection, name: "revoke-me-\(UInt32.random(in: 0...UInt32.max))", role: .viewer, expiresIn: nil)
        let expired = try TokenStore.create(connection, name: "expired-\(UInt32.random(in: 0...UInt32.max))", role: .viewer, expiresIn: 0.001)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM citypipe.api_tokens WHERE token_hash = $1", [token])[0].decode(Int.self, "n"), 0,
                       "the token itself is not stored")
        try await withAPI(fixture, tokenCacheSeconds: 0) { client, _ in
            let none = try await client.execute(uri: "/v1/views", method: .get)
            XCTAssertEqual(none.status, .unauthorized)
            XCTAssertNotNil(none.headers[.wwwAuthenticate])
            let wrong = try await client.execute(uri: "/v1/views", method: .get, headers: [.authorization: "Bearer cp_nothing"])
            XCTAssertEqual(wrong.status, .unauthorized)
            let basic = try await client.execute(uri: "/v1/views", method: .get, headers: [.authorization: "Basic dXNlcjpwYXNz"])
            XCTAssertEqual(basic.status, .unauthorized)
            let good = try await client.execute(uri: "/v1/views", method: .get, headers: [.authorization: "Bearer \(token)"])
            XCTAssertEqual(good.status, .ok)
            let late = try await client.execute(uri: "/v1/views", method: .get, headers: [.authorization: "Bearer \(expired)"])
            XCTAssertEqual(late.status, .unauthorized, "an expired token")
            let name = try connection.query("SELECT name FROM citypipe.api_tokens WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')", [token])[0]
                .decode(String.self, "name")
            try TokenStore.revoke(connection, name: name)
            let revoked = try await client.execute(uri: "/v1/views", method: .get, headers: [.authorization: "Bearer \(token)"])
            XCTAssertEqual(revoked.status, .unauthorized, "a revoked token")
        }
        XCTAssertThrowsError(try TokenStore.revoke(connection, name: "no-such-token"))
        XCTAssertThrowsError(try TokenStore.create(connection, name: "bad name!", role: .viewer, expiresIn: nil))
    }

    func testFeedsRunsAndTheCatalogue() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            let feeds = try await client.execute(uri: "/v1/feeds", method: .get, headers: fixture.headers(.viewer))
            XCTAssertEqual(feeds.status, .ok)
            let list = try feeds.json()["feeds"] as? [[String: Any]] ?? []
            XCTAssertTrue(list.contains { $0["feed"] as? String == "population" && ($0["rows_staged"] as? Int ?? 0) > 10_000 })
            XCTAssertNotNil(feeds.headers[HTTPField.Name("X-CityPipe-As-Of")!])
            let runs = try await client.execute(uri: "/v1/runs?limit=5", method: .get, headers: fixture.headers(.operator)).json()
            let first = try XCTUnwrap((runs["runs"] as? [[String: Any]])?.last?["run_id"] as? Int)
            let run = try await client.execute(uri: "/v1/runs/\(first)", method: .get, headers: fixture.headers(.operator))
            XCTAssertEqual(run.status, .ok)
            XCTAssertEqual((try run.json()["feeds"] as? [Any])?.count, 17, "the nightly run's seventeen feed loads")
            let missing = try await client.execute(uri: "/v1/runs/999999", method: .get, headers: fixture.headers(.operator))
            XCTAssertEqual(missing.status, .notFound)
            let bad = try await client.execute(uri: "/v1/runs/abc", method: .get, headers: fixture.headers(.operator))
            XCTAssertEqual(bad.status, .badRequest)
            // The catalogue shows each role what it may read, with columns as that role sees them.
            let viewer = try await client.execute(uri: "/v1/views", method: .get, headers: fixture.headers(.viewer)).json()
            let viewerViews = (viewer["views"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            XCTAssertFalse(viewerViews.contains("core.person"))
            XCTAssertTrue(viewerViews.contains("integrated.commune_profile"))
            let analyst = try await client.execute(uri: "/v1/views", method: .get, headers: fixture.headers(.analyst)).json()
            let person = (analyst["views"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "core.person" }
            let columns = (person?["columns"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            XCTAssertTrue(columns.contains("person_id"))
            XCTAssertFalse(columns.contains("full_name"))
            XCTAssertNotNil(person?["built_at"] as? String)
            XCTAssertEqual(person?["feeds"] as? [String], ["population"])
            let auditor = try await client.execute(uri: "/v1/views", method: .get, headers: fixture.headers(.auditor)).json()
            XCTAssertEqual((auditor["views"] as? [Any])?.count, 0)
        }
    }
}
