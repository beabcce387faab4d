import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpsAPI
import XCTest

/// The dashboard at `/`: the login form, the cookie, the 99 wards and the legend (a headless browser reads it in
/// scripts/api-contract-test).
final class DashboardTests: XCTestCase {
    func testTheDashboardDrawsTheWardsForATokenFromTheCookie() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            let form = try await client.execute(uri: "/", method: .get)
            XCTAssertEqual(form.status, .ok)
            XCTAssertTrue(form.text.contains("name=\"token\""), "without a token: the login form")
            var headers = HTTPFields()
            headers[.contentType] = "application/x-www-form-urlencoded"
            let refused = try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: "token=cp_nothing"))
            XCTAssertEqual(refused.status, .unauthorized)
            let token = try XCTUnwrap(fixture.tokens[.viewer])
            let login = try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: "token=\(token)"))
            XCTAssertEqual(login.status, .seeOther)
            let cookie = try XCTUnwrap(login.headers[.setCookie])
            XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie)
            var withCookie = HTTPFields()
            withCookie[.cookie] = String(cookie.prefix { $0 != ";" })
            for indicator in ["population", "insurance_coverage_rate", "health_encounters_per_1000", "pupils_per_teacher"] {
                let page = try await client.execute(uri: "/?indicator=\(indicator)", method: .get, headers: withCookie)
                XCTAssertEqual(page.status, .ok)
                XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
                let html = page.text
                XCTAssertEqual(html.components(separatedBy: "<path ").count - 1, 99, "99 ward paths")
                XCTAssertEqual(html.components(separatedBy: "class=\"swatch\"").count - 1, 6, "five classes and no data")
                XCTAssertTrue(html.contains("<title>Phường Vũ Ninh"), "each ward named on hover")
                XCTAssertFalse(html.contains("<script"), "no script needed")
                XCTAssertFalse(html.contains("src=\"http") || html.contains("href=\"http"), "nothing from the network")
            }
            let bad = try await client.execute(uri: "/?indicator=salary", method: .get, headers: withCookie)
            XCTAssertEqual(bad.status, .badRequest)
            let logout = try await client.execute(uri: "/logout", method: .post, headers: withCookie)
            XCTAssertTrue(logout.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
    }
}
