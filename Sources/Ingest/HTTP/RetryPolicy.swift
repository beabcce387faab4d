import Foundation

/// When and how long to wait before trying a request again: exponential backoff with full jitter, capped, and
/// at least what the server's `Retry-After` asks.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The backoff before the second attempt; doubled for each further one.
    public var baseDelay: Double
    /// No wait is longer than this, `Retry-After` included (a server asking for more fails the request).
    public var maxDelay: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
    }

    /// HTTP statuses worth another attempt: too many requests, and the server errors that are usually passing.
    public static let retryableStatuses: Set<Int> = [408, 425, 429, 500, 502, 503, 504]

    /// Seconds to wait before attempt `attempt + 1` (attempt counts from 1).
    public func delay(afterAttempt attempt: Int, retryAfter: Double? = nil, random: Double = .random(in: 0...1)) -> Double {
        let exponential = baseDelay * pow(2, Double(max(0, attempt - 1)))
        let jittered = min(maxDelay, exponential) * random
        guard let retryAfter else { return jittered }
        return min(maxDelay, max(retryAfter, jittered))
    }

    /// Parses a `Retry-After` value: delta-seconds, or an HTTP date (IMF-fixdate) relative to `now`.
    public static func retryAfterSeconds(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
