import AsyncHTTPClient
import Hummingbird
import Ingest
import NIOCore
import XCTest

final class HTTPFetcherTests: XCTestCase {
    let fast = RetryPolicy(maxAttempts: 4, baseDelay: 0.01, maxDelay: 5)

    static func fetchText(_ fetcher: HTTPFetcher, _ url: String, onUnauthorized: (@Sendable () async throws -> Void)? = nil) async throws -> String {
        try await fetcher.fetch({ HTTPClientRequest(url: url) }, onUnauthorized: onUnauthorized) { _, body in
            String(decoding: try await body.collect(upTo: 1 << 20), as: UTF8.self)
        }
    }

    func testRetries503ThenSucceeds() async throws {
        let counter = HitCounter()
        let router = Router()
        router.get("/flaky") { _, _ -> Response in
            let hit = await counter.hit()
            if hit <= 2 { return Response(status: .serviceUnavailable) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "Phường Vũ Ninh")))
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let fetcher = HTTPFetcher(feed: "population", client: .shared, retry: fast)
        let text = try await HTTPFetcherTests.fetchText(fetcher, "\(server.base)/flaky")
        XCTAssertEqual(text, "Phường Vũ Ninh")
        let hits = await counter.hits
        XCTAssertEqual(hits, 3)
        XCTAssertEqual(fetcher.statistics.retries, 2)
        XCTAssertEqual(fetcher.statistics.bytes, "Phường Vũ Ninh".utf8.count)
    }

    func testHonoursRetryAfterOn429() async throws {
        let counter = HitCounter()
        let router = Router()
        router.get("/limited") { _, _ -> Response in
            if await counter.hit() == 1 {
                return Response(status: .tooManyRequests, headers: [.retryAfter: "1"])
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let fetcher = HTTPFetcher(feed: "business", client: .shared, retry: fast)
        let started = ContinuousClock.now
        let text = try await HTTPFetcherTests.fetchText(fetcher, "\(server.base)/limited")
        XCTAssertEqual(text, "ok")
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(990), "waited as Retry-After asked")
    }

    func testGivesUpAfterMaxAttemptsNamingFeedEndpointAndStatus() async throws {
        let counter = HitCounter()
        let router = Router()
        router.get("/down") { _, _ -> Response in
            _ = await counter.hit()
            return Response(status: .badGateway)
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let fetcher = HTTPFetcher(feed: "insurance", client: .shared, retry: fast)
        do {
            _ = try await HTTPFetcherTests.fetchText(fetcher, "\(server.base)/down?api_key=SECRET123")
            XCTFail("no error")
        } catch let error as FetchError {
            XCTAssertEqual(error.kind, .status(502))
            XCTAssertEqual(error.attempts, 4)
            XCTAssertEqual(error.endpoint, "\(server.base)/down")
            XCTAssertFalse(error.description.contains("SECRET123"), "the query (keys) never reaches an error")
            XCTAssertTrue(error.description.contains("insurance"))
        }
        let hits = await counter.hits
        XCTAssertEqual(hits, 4)
    }

    func testClientErrorsAreNotRetried() async throws {
        let counter = HitCounter()
        let router = Router()
        router.get("/missing") { _, _ -> Response in
            _ = await counter.hit()
            return Response(status: .notFound)
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let fetcher = HTTPFetcher(feed: "labour", client: .shared, retry: fast)
        do {
            _ = try await HTTPFetcherTests.fetchText(fetcher, "\(server.base)/missing")
            XCTFail("no error")
        } catch let error as FetchError {
            XCTAssertEqual(error.kind, .status(404))
        }
        let hits = await counter.hits
        XCTAssertEqual(hits, 1)
    }

    /// 304 reaches the consumer only when the request asked conditionally (`If-None-Match`); unasked, it fails.
    func testNotModifiedReachesTheConsumerOnlyWhenAsked() async throws {
        let router = Router()
        router.get("/export") { _, _ -> Response in Response(status: .notModified, headers: [.eTag: "\"v1\""]) }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let fetcher = HTTPFetcher(feed: "insurance", client: .shared, retry: fast)
        let url = "\(server.base)/export"
        let status = try await fetcher.fetch({
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "If-None-Match", value: "\"v1\"")
            return request
        }) { head, _ in head.status }
        XCTAssertEqual(status, 304)
        do {
            _ = try await HTTPFetcherTests.fetchText(fetcher, url)
            XCTFail("no error")
        } catch let error as FetchError {
            XCTAssertEqual(error.kind, .status(304))
        }
    }

    /// A URL the client cannot send fails at the first attempt, naming the scheme: no retry can fix it.
    func testAnUnsupportedSchemeIsNotRetried() async throws {
        let fetcher = HTTPFetcher(feed: "labour", client: .shared, retry: fast)
        do {
            _ = try await HTTPFetcherTests.fetchText(fetcher, "file:///tmp/records.json")
            XCTFail("no error")
        } catch let error as FetchError {
            XCTAssertEqual(error.attempts, 1, "\(error)")
            XCTAssertTrue(String(describing: error).contains("file"), "\(error)")
        }
        XCTAssertEqual(fetcher.statistics.retries, 0)
    }

    func testATruncatedBodyIsFetchedAgainNeverUsedHalf() async throws {
        let counter = HitCounter()
        let router = Router()
        struct Cut: Error {}
        router.get("/export") { _, _ -> Response in
            let hit = await counter.hit()
            return Response(
                status: .ok,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "first half;"))
                    if hit == 1 { throw Cut() }  // the connection drops mid-body
                    try await writer.write(ByteBuffer(string: "second half"))
                    try await writer.finish(nil)
                })
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let fetcher = HTTPFetcher(feed: "insurance", client: .shared, retry: fast)
        let text = try await HTTPFetcherTests.fetchText(fetcher, "\(server.base)/export")
        XCTAssertEqual(text, "first half;second half")
        let hits = await counter.hits
        XCTAssertEqual(hits, 2)
    }

    func testAConsumerReportingADamagedBodyGetsAFreshOne() async throws {
        struct BadGzip: RetryableBodyError {}
        let counter = HitCounter()
        let router = Router()
        router.get("/gz") { _, _ -> Response in
            let hit = await counter.hit()
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: hit == 1 ? "garbage" : "good")))
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let fetcher = HTTPFetcher(feed: "insurance", client: .shared, retry: fast)
        let text = try await fetcher.fetch({ HTTPClientRequest(url: "\(server.base)/gz") }) { _, body in
            let text = String(decoding: try await body.collect(upTo: 1024), as: UTF8.self)
            if text == "garbage" { throw BadGzip() }
            return text
        }
        XCTAssertEqual(text, "good")
    }

    func testAn401RefreshesTheTokenOnceWithoutUsingAnAttempt() async throws {
        let token = TokenBox()
        let router = Router()
        router.get("/citizens") { request, _ -> Response in
            let authorization = request.headers[.authorization] ?? ""
            return authorization == "Bearer fresh"
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "page")))
                : Response(status: .unauthorized)
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let fetcher = HTTPFetcher(feed: "population", client: .shared, retry: RetryPolicy(maxAttempts: 1))
        let page = try await fetcher.fetch({
            var request = HTTPClientRequest(url: "\(server.base)/citizens")
            request.headers.add(name: "Authorization", value: "Bearer \(await token.value)")
            return request
        }, onUnauthorized: { await token.set("fresh") }) { _, body in
            String(decoding: try await body.collect(upTo: 1024), as: UTF8.self)
        }
        XCTAssertEqual(page, "page")
    }

    func testRateAndConcurrencyLimits() async throws {
        let counter = HitCounter()
        let router = Router()
        router.get("/slow") { _, _ -> Response in
            await counter.enter()
            try await Task.sleep(for: .milliseconds(100))
            await counter.leave()
            return Response(status: .ok)
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let limited = HTTPFetcher(feed: "statistics", client: .shared, retry: fast, concurrency: 2)
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await HTTPFetcherTests.fetchText(limited, "\(server.base)/slow") } }
            for try await _ in group {}
        }
        let peak = await counter.peak
        XCTAssertEqual(peak, 2, "never more than the concurrency limit at once")

        let paced = HTTPFetcher(feed: "statistics", client: .shared, retry: fast, requestsPerSecond: 20, concurrency: 8)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<6 { group.addTask { try await HTTPFetcherTests.fetchText(paced, "\(server.base)/slow") } }
            for try await _ in group {}
        }
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(240), "6 requests at 20/s take at least 0.25 s")
    }

    func testBackoffIsExponentialCappedAndAtLeastRetryAfter() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 1, maxDelay: 10)
        XCTAssertEqual(policy.delay(afterAttempt: 1, random: 1), 1)
        XCTAssertEqual(policy.delay(afterAttempt: 3, random: 1), 4)
        XCTAssertEqual(policy.delay(afterAttempt: 9, random: 1), 10)
        XCTAssertEqual(policy.delay(afterAttempt: 3, random: 0.5), 2)
        XCTAssertEqual(policy.delay(afterAttempt: 1, retryAfter: 7, random: 0.1), 7)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("120"), 120)
        let now = Date(timeIntervalSince1970: 1_751_302_800)  // 2025-06-30 17:00:00 GMT
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("Mon, 30 Jun 2025 17:00:30 GMT", now: now), 30)
        XCTAssertNil(RetryPolicy.retryAfterSeconds("soon"))
        XCTAssertEqual(
            FetchError.endpoint(of: "https://user:pw@lgsp.bacninh.gov.vn/api/v1/citizens?client_secret=x"),
            "https://lgsp.bacninh.gov.vn/api/v1/citizens")
    }
}

actor TokenBox {
    private(set) var value = "expired"
    func set(_ token: String) { value = token }
}
