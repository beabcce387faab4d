import Foundation

/// The runs and backfills the API started and that still go: kept so that they are not dropped, and awaited
/// on shutdown (SIGTERM) so that a run started over the API ends its ledger rows before the process exits.
final class JobRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [String: Task<Void, Never>] = [:]

    func add(_ id: String, _ task: Task<Void, Never>) {
        lock.withLock { tasks[id] = task }
    }

    func remove(_ id: String) {
        _ = lock.withLock { tasks.removeValue(forKey: id) }
    }

    /// Waits for every job still going.
    func drain() async {
        let running = lock.withLock { Array(tasks.values) }
        for task in running { await task.value }
    }
}
