import AsyncHTTPClient
import Foundation
import Hummingbird
import Ingest
import TestSupport
import Manifest
import NIOCore
import XCTest

final class AuthenticatorTests: XCTestCase {
    func testOAuth2ClientCredentialsAreCachedAndRenewed() async throws {
        let issued = HitCounter()
        let router = Router()
        router.post("/oauth/token") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 4096)
            let form = String(buffer: body)
            guard request.headers[.authorization] == "Basic " + Data("lgsp-client:s3cret".utf8).base64EncodedString(),
                form.contains("grant_type=client_credentials"), form.contains("scope=citizens.read")
            else { return Response(status: .unauthorized) }
            let n = await issued.hit()
            let json = #"{"access_token":"token-\#(n)","token_type":"Bearer","expires_in":61}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let spec = AuthSpec.oauth2(OAuth2Auth(
            tokenURL: "\(server.base)/oauth/token", clientID: "lgsp-client", clientSecret: "s3cret", scopes: ["citizens.read"],
            expiryMargin: ManifestDuration(seconds: 60)))
        let clock = TestClock()
        let auth = Authenticator(feed: "population", spec: spec, client: .shared, now: clock.now)
        var first = HTTPClientRequest(url: "\(server.base)/v1/citizens")
        try await auth.authorize(&first)
        var second = HTTPClientRequest(url: "\(server.base)/v1/citizens")
        try await auth.authorize(&second)
        XCTAssertEqual(first.headers.first(name: "Authorization"), "Bearer token-1")
        XCTAssertEqual(second.headers.first(name: "Authorization"), "Bearer token-1", "cached")
        // expires_in 61 s with a 60 s margin: usable for 1 s.
        clock.advance(by: .milliseconds(999))
        var stillCached = HTTPClientRequest(url: "\(server.base)/v1/citizens")
        try await auth.authorize(&stillCached)
        XCTAssertEqual(stillCached.headers.first(name: "Authorization"), "Bearer token-1", "999 ms later: still cached")
        clock.advance(by: .milliseconds(1))
        var third = HTTPClientRequest(url: "\(server.base)/v1/citizens")
        try await auth.authorize(&third)
        XCTAssertEqual(third.headers.first(name: "Authorization"), "Bearer token-2", "renewed before expiry")
        await auth.invalidate()
        var fourth = HTTPClientRequest(url: "\(server.base)/v1/citizens")
        try await auth.authorize(&fourth)
        XCTAssertEqual(fourth.headers.first(name: "Authorization"), "Bearer token-3", "renewed after a 401")
        XCTAssertTrue(auth.refreshesOn401)
    }

    /// Found by the fault campaign (issue 15): a token endpoint answering 503 once failed the whole feed load at
    /// the first attempt; it is retried as the feed's pages are (statuses 408, 425, 429, 5xx, network errors).
    func testATokenEndpointThatIsBrieflyUnavailableIsRetried() async throws {
        let hits = HitCounter()
        let router = Router()
        router.post("/oauth/token") { _, _ -> Response in
            let n = await hits.hit()
            if n <= 2 { return Response(status: n == 1 ? .serviceUnavailable : .tooManyRequests, headers: [.retryAfter: "0"]) }
            let json = #"{"access_token":"token-\#(n)","token_type":"Bearer","expires_in":3600}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let spec = AuthSpec.oauth2(OAuth2Auth(tokenURL: "\(server.base)/oauth/token", clientID: "c", clientSecret: "s"))
        let auth = Authenticator(feed: "population", spec: spec, client: .shared, retry: RetryPolicy(maxAttempts: 5, baseDelay: 0.01))
        var request = HTTPClientRequest(url: "\(server.base)/v1/citizens")
        try await auth.authorize(&request)
        XCTAssertEqual(request.headers.first(name: "Authorization"), "Bearer token-3")
        let tokenRequests = await hits.hits
        XCTAssertEqual(tokenRequests, 3)

        // A status no retry can fix (400: a bad grant) fails at the first attempt, naming the feed.
        let refusing = Router()
        let refused = HitCounter()
        refusing.post("/oauth/token") { _, _ -> Response in
            _ = await refused.hit()
            return Response(status: .badRequest)
        }
        let other = try await LoopbackServer.start(refusing)
        defer { other.stop() }
        let bad = Authenticator(
            feed: "population", spec: .oauth2(OAuth2Auth(tokenURL: "\(other.base)/oauth/token", clientID: "c", clientSecret: "s")),
            client: .shared, retry: RetryPolicy(maxAttempts: 5, baseDelay: 0.01))
        var second = HTTPClientRequest(url: "\(other.base)/v1/citizens")
        do {
            try await bad.authorize(&second)
            XCTFail("a 400 token answer was accepted")
        } catch {
            XCTAssertTrue(String(describing: error).contains("population"), "\(error)")
        }
        let refusedRequests = await refused.hits
        XCTAssertEqual(refusedRequests, 1)
    }

    func testABadClientSecretIsAClearErrorWithoutTheSecret() async throws {
        let router = Router()
        router.post("/oauth/token") { _, _ in Response(status: .unauthorized) }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let auth = Authenticator(
            feed: "population",
            spec: .oauth2(OAuth2Auth(tokenURL: "\(server.base)/oauth/token", clientID: "x", clientSecret: "wrong-secret")),
            client: .shared)
        var request = HTTPClientRequest(url: "\(server.base)/v1/citizens")
        do {
            try await auth.authorize(&request)
            XCTFail("no error")
        } catch let error as FetchError {
            XCTAssertEqual(error.kind, .status(401))
            XCTAssertFalse(error.description.contains("wrong-secret"))
            XCTAssertTrue(error.description.contains("population"))
        }
    }

    func testAPIKeyBearerAndBasic() async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1/v1/enterprises?province=27")
        try await Authenticator(feed: "business", spec: .apiKey(APIKeyAuth(injectInto: .query, fieldName: "api_key", apiToken: "k y")), client: .shared)
            .authorize(&request)
        XCTAssertEqual(request.url, "http://127.0.0.1/v1/enterprises?province=27&api_key=k%20y")
        try await Authenticator(feed: "business", spec: .apiKey(APIKeyAuth(fieldName: "X-API-Key", apiToken: "abc")), client: .shared)
            .authorize(&request)
        XCTAssertEqual(request.headers.first(name: "X-API-Key"), "abc")
        try await Authenticator(feed: "labour", spec: .bearer(BearerAuth(apiToken: "t0k")), client: .shared).authorize(&request)
        XCTAssertEqual(request.headers.first(name: "Authorization"), "Bearer t0k")
        try await Authenticator(feed: "insurance", spec: .basic(BasicAuth(username: "bhxh", password: "p:w")), client: .shared)
            .authorize(&request)
        XCTAssertEqual(request.headers.first(name: "Authorization"), "Basic " + Data("bhxh:p:w".utf8).base64EncodedString())
    }
}
