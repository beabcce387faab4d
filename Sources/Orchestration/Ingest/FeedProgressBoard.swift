import Foundation

/// The live progress line of feeds loading side by side: `population 12,000 · labour 800`.
final class FeedProgressBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [String: Int] = [:]
    private var order: [String] = []
    private let log: EventLog

    init(log: EventLog) {
        self.log = log
    }

    func update(_ feed: String, records count: Int) {
        let line: String = lock.withLock {
            if records[feed] == nil { order.append(feed) }
            records[feed] = count
            return order.compactMap { name in records[name].map { "\(name) \($0)" } }.joined(separator: " · ")
        }
        log.progress(line)
    }

    func finished(_ feed: String) {
        lock.withLock {
            records[feed] = nil
            order.removeAll { $0 == feed }
        }
    }
}
