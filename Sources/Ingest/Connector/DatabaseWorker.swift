import Dispatch
import Postgres

/// Runs blocking libpq work for async code on a serial Dispatch queue, never on Swift's cooperative pool.
final class DatabaseWorker: @unchecked Sendable {
    let connection: PostgresConnection
    private let queue: DispatchQueue

    init(connection: PostgresConnection, label: String) {
        self.connection = connection
        self.queue = DispatchQueue(label: "citypipe.db.\(label)")
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try body(self.connection)) } catch { continuation.resume(throwing: error) }
            }
        }
    }
}

/// A non-Sendable value that is only ever touched on one `DatabaseWorker`'s queue.
final class WorkerOwned<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
