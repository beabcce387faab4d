import Foundation

/// A clock a test moves forward by hand, for expiry (tokens, leases) without waiting for it: `now` is the real
/// instant the clock was made plus what the test advanced.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private let start = ContinuousClock.now
    private var advanced: Duration = .zero

    public init() {}

    /// The clock's current instant.
    public func now() -> ContinuousClock.Instant {
        lock.withLock { start + advanced }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        lock.withLock { advanced += duration }
    }
}
