import Foundation

/// Counts finished windows across the parallel workers.
final class WindowCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    let total: Int

    init(total: Int) {
        self.total = total
    }

    func increment() -> Int {
        lock.withLock {
            done += 1
            return done
        }
    }
}
