/// Why a feed request failed for good, after its retries. Names the feed, the endpoint (without its query,
/// which may hold a key) and the number of attempts.
public struct FetchError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The server answered with this status on the last attempt.
        case status(Int)
        /// The connection failed, timed out, or the body ended early.
        case network(String)
        /// The body could not be read as what it claims to be (bad gzip, broken encoding).
        case body(String)
        /// The server asked to wait longer than the policy allows.
        case retryAfterTooLong(Double)
    }

    public let feed: String
    public let endpoint: String
    public let kind: Kind
    public let attempts: Int

    public init(feed: String, endpoint: String, kind: Kind, attempts: Int) {
        self.feed = feed
        self.endpoint = endpoint
        self.kind = kind
        self.attempts = attempts
    }

    public var description: String {
        let what: String
        switch kind {
        case .status(let status): what = "HTTP \(status)"
        case .network(let reason): what = "network error: \(reason)"
        case .body(let reason): what = "unreadable body: \(reason)"
        case .retryAfterTooLong(let seconds): what = "the server asked to wait \(Int(seconds)) s, longer than the retry policy allows"
        }
        return "feed \(feed): \(endpoint): \(what) after \(attempts) attempt\(attempts == 1 ? "" : "s")"
    }

    /// `scheme://host[:port]/path` of a URL: the query and any credentials are left out.
    public static func endpoint(of url: String) -> String {
        var text = url
        if let query = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = String(text[..<query]) }
        if let schemeEnd = text.range(of: "://"), let at = text[schemeEnd.upperBound...].firstIndex(of: "@"),
            !text[schemeEnd.upperBound..<at].contains("/")
        {
            text = String(text[..<schemeEnd.upperBound]) + String(text[text.index(after: at)...])
        }
        return text
    }
}

/// An error a body consumer throws to say the body was damaged in transit (a truncated or corrupt stream):
/// the fetcher tries the whole request again.
public protocol RetryableBodyError: Error {}
