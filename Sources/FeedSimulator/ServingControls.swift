import Foundation

/// What the admin endpoints change while the simulator serves, and what it counts as it does: a delay before
/// every answer of a feed endpoint (a slow gateway; tests use it to catch a load mid-way), the requests each
/// endpoint got, and the access tokens it refused.
final class ServingControls: @unchecked Sendable {
    /// Longest delay `POST /_sim/delay` accepts, milliseconds.
    static let maxDelayMilliseconds = 60_000

    private let lock = NSLock()
    private var delay = 0
    private var requests: [FaultTarget: Int] = [:]
    private var refused = 0

    /// Counts a request to `target`; returns the delay to wait before answering it, milliseconds.
    func admit(_ target: FaultTarget) -> Int {
        lock.withLock {
            requests[target, default: 0] += 1
            return delay
        }
    }

    /// Sets the delay before every answer of a feed endpoint (0 for none).
    func setDelay(milliseconds: Int) {
        lock.withLock { delay = min(max(0, milliseconds), Self.maxDelayMilliseconds) }
    }

    /// Counts a 401 answered to a Bearer token that expired, was revoked or was never issued.
    func refusedToken() {
        lock.withLock { refused += 1 }
    }

    /// What has been counted so far.
    var snapshot: Counts {
        lock.withLock { Counts(delayMilliseconds: delay, requests: requests, tokensRefused: refused) }
    }

    /// The counters at one moment.
    struct Counts: Sendable {
        let delayMilliseconds: Int
        let requests: [FaultTarget: Int]
        let tokensRefused: Int

        /// `"requests":{"population":12,…}` in the order of `FaultTarget.allCases`.
        var requestsJSON: String {
            "{" + FaultTarget.allCases.map { "\"\($0.name)\":\(requests[$0, default: 0])" }.joined(separator: ",") + "}"
        }
    }
}
