import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends a feed's requests: at most `concurrency` at once, at most `rate` a second, each retried with backoff
/// and jitter on 429, 5xx, network errors, and damaged bodies, honouring `Retry-After`.
///
/// The body is handed to the consumer as a stream. When something fails before the consumer returns (a
/// connection cut mid-body, a truncated gzip the consumer reports with a `RetryableBodyError`), the whole
/// request is made again and the consumer starts over, so it must keep nothing from a failed attempt: what it
/// builds is used only once it returns.
public final class HTTPFetcher: Sendable {
    public let feed: String
    public let retry: RetryPolicy
    /// Time allowed for one attempt, from the request to the end of its body.
    public let timeout: TimeAmount
    private let client: HTTPClient
    private let rateLimiter: RateLimiter?
    private let limiter: ConcurrencyLimiter
    private let counters = Counters()

    /// Requests and retries made so far, and body bytes received (of attempts that completed).
    public var statistics: (requests: Int, retries: Int, bytes: Int) { counters.snapshot }

    public init(
        feed: String, client: HTTPClient, retry: RetryPolicy = RetryPolicy(), requestsPerSecond: Double? = nil,
        concurrency: Int = 4, timeout: TimeAmount = .seconds(120)
    ) {
        self.feed = feed
        self.client = client
        self.retry = retry
        self.timeout = timeout
        self.rateLimiter = requestsPerSecond.map { RateLimiter(rate: $0) }
        self.limiter = ConcurrencyLimiter(limit: concurrency)
    }

    /// The head of a response, for consumers (status, headers) and for pagination (`Link`).
    public struct Head: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        /// 1 for the first attempt.
        public let attempt: Int
    }

    /// Makes the request built by `request` until it succeeds or the policy gives up, streaming a 2xx body (or a
    /// 304's empty one) to `consume`. Non-2xx statuses that are not retryable fail at once; `authorize` is called with 401 before
    /// one more attempt (an expired token), when given.
    public func fetch<T: Sendable>(
        _ request: @escaping @Sendable () async throws -> HTTPClientRequest,
        onUnauthorized: (@Sendable () async throws -> Void)? = nil,
        consume: @escaping @Sendable (Head, BodyStream) async throws -> T
    ) async throws -> T {
        var attempt = 0
        var refreshedAuth = false
        while true {
            attempt += 1
            let built = try await request()
            let endpoint = FetchError.endpoint(of: built.url)
            if let rateLimiter { try await rateLimiter.acquire() }
            let number = attempt
            let outcome: Outcome<T> = try await limiter.run {
                await self.attempt(built, attempt: number, consume: consume)
            }
            switch outcome {
            case .success(let value, let bytes):
                counters.add(requests: 1, bytes: bytes)
                return value
            case .unauthorized where onUnauthorized != nil && !refreshedAuth:
                counters.add(requests: 1, retries: 1)
                refreshedAuth = true
                try await onUnauthorized?()
                attempt -= 1  // a refreshed token does not use up an attempt
            case .unauthorized:
                counters.add(requests: 1)
                throw FetchError(feed: feed, endpoint: endpoint, kind: .status(401), attempts: attempt)
            case .fatal(let kind):
                counters.add(requests: 1)
                throw FetchError(feed: feed, endpoint: endpoint, kind: kind, attempts: attempt)
            case .consumerFailed(let error):
                counters.add(requests: 1)
                throw error
            case .retryable(let kind, let retryAfter):
                counters.add(requests: 1)
                guard attempt < retry.maxAttempts else {
                    throw FetchError(feed: feed, endpoint: endpoint, kind: kind, attempts: attempt)
                }
                if let retryAfter, retryAfter > retry.maxDelay {
                    throw FetchError(feed: feed, endpoint: endpoint, kind: .retryAfterTooLong(retryAfter), attempts: attempt)
                }
                counters.add(retries: 1)
                try await Task.sleep(for: .seconds(retry.delay(afterAttempt: attempt, retryAfter: retryAfter)))
            }
        }
    }

    /// Errors of the request rather than of the network or the server: a URL the client cannot send.
    static func isPermanent(_ error: HTTPClientError, url: String) -> Bool {
        let scheme = URL(string: url)?.scheme ?? ""
        return [HTTPClientError.invalidURL, .emptyHost, .emptyScheme, .missingSocketPath, .unsupportedScheme(scheme)].contains(error)
    }

    private enum Outcome<T: Sendable>: Sendable {
        case success(T, bytes: Int)
        case retryable(FetchError.Kind, retryAfter: Double?)
        case unauthorized
        case fatal(FetchError.Kind)
        case consumerFailed(any Error)
    }

    private func attempt<T: Sendable>(
        _ request: HTTPClientRequest, attempt: Int,
        consume: @Sendable (Head, BodyStream) async throws -> T
    ) async -> Outcome<T> {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch let error as HTTPClientError where HTTPFetcher.isPermanent(error, url: request.url) {
            // The request itself is wrong (a file:// URL, no host): no retry can fix it.
            return .fatal(.network(HTTPFetcher.describe(error)))
        } catch {
            return .retryable(.network(HTTPFetcher.describe(error)), retryAfter: nil)
        }
        let status = Int(response.status.code)
        let retryAfter = RetryPolicy.retryAfterSeconds(response.headers.first(name: "Retry-After"))
        // 304 answers a conditional request (`If-None-Match`): its consumer knows it asked and what it means. Unasked,
        // it is an error like any other status.
        let notModified = status == 304 && request.headers.contains(name: "If-None-Match")
        guard (200..<300).contains(status) || notModified else {
            // Read (and drop) a bounded error body so that the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if status == 401 { return .unauthorized }
            return RetryPolicy.retryableStatuses.contains(status)
                ? .retryable(.status(status), retryAfter: retryAfter) : .fatal(.status(status))
        }
        let body = BodyStream(response.body)
        do {
            let value = try await consume(Head(status: status, headers: response.headers, attempt: attempt), body)
            return .success(value, bytes: body.bytes)
        } catch let error as any RetryableBodyError {
            return .retryable(.body(String(describing: error)), retryAfter: nil)
        } catch let error as HTTPClientError {
            return .retryable(.network(HTTPFetcher.describe(error)), retryAfter: nil)
        } catch let error as NIOCore.IOError {
            return .retryable(.network(HTTPFetcher.describe(error)), retryAfter: nil)
        } catch let error as HTTPParserError {
            return .retryable(.network("the body ended early or was malformed (\(error))"), retryAfter: nil)
        } catch {
            return .consumerFailed(error)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .remoteConnectionClosed: return "the server closed the connection before the end of the body"
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            default: return String(describing: error)
            }
        }
        return String(describing: error)
    }

    private final class Counters: @unchecked Sendable {
        private let lock = NSLock()
        private var requests = 0, retries = 0, bytes = 0
        func add(requests: Int = 0, retries: Int = 0, bytes: Int = 0) {
            lock.lock()
            self.requests += requests
            self.retries += retries
            self.bytes += bytes
            lock.unlock()
        }
        var snapshot: (requests: Int, retries: Int, bytes: Int) {
            lock.lock()
            defer { lock.unlock() }
            return (requests, retries, bytes)
        }
    }
}
