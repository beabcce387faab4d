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
            // The air-quality index of each ward's latest day, coloured by the decision's bands (six and no data),
            // and the post/telecom indicators of integrated.ict_indicators.
            let aqi = try await client.execute(uri: "/?indicator=aqi", method: .get, headers: withCookie).text
            XCTAssertEqual(aqi.components(separatedBy: "<path ").count - 1, 99, "99 ward paths")
            XCTAssertEqual(aqi.components(separatedBy: "class=\"swatch\"").count - 1, 7, "six VN_AQI bands and no data")
            XCTAssertTrue(aqi.contains("301 – 500 Nguy hại"), "the legend is the decision's bands")
            let bandFills = ["#00e400", "#ffff00", "#ff7e00", "#ff0000", "#8f3f97", "#7e0023"].map { "fill=\"\($0)\"" }
            XCTAssertEqual(
                aqi.components(separatedBy: "<path ").dropFirst().filter { path in bandFills.contains { path.contains($0) } }.count, 99,
                "every ward has an AQI: its own station's or the nearest")
            for indicator in ["people_per_postal_point", "broadband_per_100", "mobile_per_100"] {
                let html = try await client.execute(uri: "/?indicator=\(indicator)", method: .get, headers: withCookie).text
                XCTAssertEqual(html.components(separatedBy: "<path ").count - 1, 99, indicator)
                XCTAssertLessThan(html.components(separatedBy: "fill=\"#d9d9d9\"").count - 1, 99, "\(indicator): wards have values")
            }
            let bad = try await client.execute(uri: "/?indicator=salary", method: .get, headers: withCookie)
            XCTAssertEqual(bad.status, .badRequest)
            let logout = try await client.execute(uri: "/logout", method: .post, headers: withCookie)
            XCTAssertTrue(logout.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
    }
}
