import AsyncHTTPClient
import Foundation
import Manifest
import NIOCore
import NIOHTTP1

/// Puts a feed's credentials on its requests, as the manifest's `auth` says (placeholders already resolved):
/// an API key in a header or the query, a bearer token, HTTP Basic, or an OAuth 2.0 client-credentials token
/// fetched from the token endpoint, cached until shortly before it expires, and renewed after a 401.
public actor Authenticator {
    public let feed: String
    private let spec: AuthSpec
    private let client: HTTPClient
    private var token: (value: String, expires: ContinuousClock.Instant)?
    /// Tokens fetched so far (for statistics and tests).
    public private(set) var tokensFetched = 0
    /// The time a cached token's expiry is compared with (a test gives its own clock).
    private let now: @Sendable () -> ContinuousClock.Instant
    /// How a token request that failed for a passing reason (503, 429, a network error) is tried again: the
    /// feed's own retry policy, so that a gateway's hiccup does not fail a load its pages would have survived.
    private let retry: RetryPolicy

    /// An authenticator for `feed`; `retry` is the feed's retry policy, `now` the clock of token expiry (tests
    /// advance their own).
    public init(
        feed: String, spec: AuthSpec, client: HTTPClient, retry: RetryPolicy = RetryPolicy(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.feed = feed
        self.spec = spec
        self.client = client
        self.retry = retry
        self.now = now
    }

    /// Whether a 401 should be answered by renewing the credentials once.
    public nonisolated var refreshesOn401: Bool {
        if case .oauth2(let oauth) = spec { return oauth.refreshOn401 }
        return false
    }

    /// Adds the credentials to `request`.
    public func authorize(_ request: inout HTTPClientRequest) async throws {
        switch spec {
        case .none:
            return
        case .apiKey(let key):
            switch key.injectInto {
            case .header: request.headers.replaceOrAdd(name: key.fieldName, value: key.apiToken)
            case .query: request.url = Authenticator.appending(query: [(key.fieldName, key.apiToken)], to: request.url)
            }
        case .bearer(let bearer):
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(bearer.apiToken)")
        case .basic(let basic):
            request.headers.replaceOrAdd(name: "Authorization", value: Authenticator.basic(basic.username, basic.password))
        case .oauth2(let oauth):
            let value = try await currentToken(oauth)
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(value)")
        }
    }

    /// Forgets a cached token (the server said 401): the next request fetches a new one.
    public func invalidate() {
        token = nil
    }

    private func currentToken(_ oauth: OAuth2Auth) async throws -> String {
        if oauth.cacheToken, let token, now() < token.expires { return token.value }
        var request = HTTPClientRequest(url: oauth.tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        var form = [("grant_type", oauth.grantType.rawValue)]
        if !oauth.scopes.isEmpty { form.append(("scope", oauth.scopes.joined(separator: " "))) }
        switch oauth.clientAuthentication {
        case .basic:
            request.headers.add(name: "Authorization", value: Authenticator.basic(oauth.clientID, oauth.clientSecret))
        case .body:
            form += [("client_id", oauth.clientID), ("client_secret", oauth.clientSecret)]
        }
        request.body = .bytes(ByteBuffer(string: Authenticator.formEncode(form)))
        let endpoint = FetchError.endpoint(of: oauth.tokenURL)
        var attempt = 0
        var body = ByteBuffer()
        while true {
            attempt += 1
            var retryAfter: Double? = nil
            let failure: FetchError.Kind
            do {
                let response = try await client.execute(request, timeout: .seconds(30))
                body = try await response.body.collect(upTo: 64 * 1024)
                if response.status == .ok { break }
                let status = Int(response.status.code)
                guard RetryPolicy.retryableStatuses.contains(status) else {
                    throw FetchError(feed: feed, endpoint: endpoint, kind: .status(status), attempts: attempt)
                }
                failure = .status(status)
                retryAfter = RetryPolicy.retryAfterSeconds(response.headers.first(name: "Retry-After"))
            } catch let error as FetchError {
                throw error
            } catch {
                failure = .network(HTTPFetcher.describe(error))
            }
            guard attempt < retry.maxAttempts, (retryAfter ?? 0) <= retry.maxDelay else {
                throw FetchError(feed: feed, endpoint: endpoint, kind: failure, attempts: attempt)
            }
            try await Task.sleep(for: .seconds(retry.delay(afterAttempt: attempt, retryAfter: retryAfter)))
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let value = json["access_token"] as? String, !value.isEmpty
        else {
            throw FetchError(feed: feed, endpoint: endpoint, kind: .body("the token response has no access_token"), attempts: 1)
        }
        let lifetime = (json["expires_in"] as? Double) ?? Double((json["expires_in"] as? Int) ?? 3600)
        let usable = max(1, lifetime - oauth.expiryMargin.seconds)
        token = (value, now() + .seconds(usable))
        tokensFetched += 1
        return value
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// `application/x-www-form-urlencoded` (RFC 1866 §8.2.1 / WHATWG URL).
    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// `url` with `pairs` added to its query.
    public static func appending(query pairs: [(String, String)], to url: String) -> String {
        guard !pairs.isEmpty else { return url }
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }
}
