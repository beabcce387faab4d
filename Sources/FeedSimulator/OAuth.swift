import Foundation

/// OAuth2 client-credentials tokens of the population feed: issued at `POST /oauth/token`, valid for the
/// configured lifetime, then answered with 401.
final class TokenStore: @unchecked Sendable {
    private let ttl: Duration
    private let seed: UInt64
    private let lock = NSLock()
    private var tokens: [String: ContinuousClock.Instant] = [:]
    private var issued: UInt64 = 0
    private let clock: @Sendable () -> ContinuousClock.Instant

    init(ttlSeconds: Int, seed: UInt64, clock: @escaping @Sendable () -> ContinuousClock.Instant) {
        ttl = .seconds(ttlSeconds)
        self.seed = seed
        self.clock = clock
    }

    /// A new token and its lifetime in seconds.
    func issue() -> String {
        let now = clock()
        return lock.withLock {
            issued += 1
            let token = "sim." + String(Mix.hash(seed, 0x70C3, issued), radix: 16) + "." + String(issued)
            tokens = tokens.filter { $0.value > now }
            tokens[token] = now + ttl
            return token
        }
    }

    /// Whether a token was issued here and has not expired.
    func isValid(_ token: Substring) -> Bool {
        let now = clock()
        return lock.withLock { tokens[String(token)].map { $0 > now } ?? false }
    }

    /// Forgets a token (an "expired token" fault).
    func revoke(_ token: Substring) {
        _ = lock.withLock { tokens.removeValue(forKey: String(token)) }
    }

    /// Ends every token issued so far, as a gateway does when it rotates its signing key: clients holding one
    /// get 401 before the lifetime they were told.
    func expireAll() {
        lock.withLock { tokens.removeAll() }
    }

    /// Tokens issued since the start.
    var issuedCount: UInt64 { lock.withLock { issued } }
}

/// HTTP Basic credentials (`Authorization: Basic base64(user:password)`).
enum BasicAuth {
    static func parse(_ header: String?) -> (user: String, password: String)? {
        guard let header, header.lowercased().hasPrefix("basic ") else { return nil }
        let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        let user = String(text[..<colon]).removingPercentEncoding ?? String(text[..<colon])
        let rest = String(text[text.index(after: colon)...])
        return (user, rest.removingPercentEncoding ?? rest)
    }
}

/// `application/x-www-form-urlencoded` bodies.
enum FormBody {
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
