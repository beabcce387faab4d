import Dispatch
import Foundation

/// A bounded pool of connections, usable from many threads and from async code.
///
/// At most `maxConnections` are open at once; callers beyond that wait (up to `acquireTimeout`) for one to be
/// returned. A connection that comes back broken, or that the server dropped while it sat idle, is closed and
/// replaced by a new one on the next request. A connection returned inside an open transaction is rolled back.
public final class ConnectionPool: @unchecked Sendable {
    /// Where connections go (a URL, `key=value` string, or "" for libpq's `PG*` variables).
    public let conninfo: String
    public let maxConnections: Int
    public let acquireTimeout: TimeInterval

    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var openCount = 0
    private var waiters: [(id: Int, resume: (Grant) -> Void)] = []
    private var nextWaiterID = 0
    private var isShutDown = false
    private let workQueue = DispatchQueue(label: "citypipe.postgres.pool", attributes: .concurrent)

    /// What a waiter is given: a connection, or the right to open one (a slot freed by a broken connection).
    private enum Grant {
        case connection(PostgresConnection)
        case open
        case failure(PostgresError)
    }

    public init(conninfo: String, maxConnections: Int = 4, acquireTimeout: TimeInterval = 30) {
        self.conninfo = conninfo
        self.maxConnections = max(1, maxConnections)
        self.acquireTimeout = acquireTimeout
    }

    deinit { shutdown() }

    /// Connections open now, idle ones among them, and callers waiting.
    public var statistics: (open: Int, idle: Int, waiting: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (openCount, idle.count, waiters.count)
    }

    /// Runs `body` with a connection, blocking this thread while it waits for one.
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try acquire()
        do {
            let value = try body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` with a connection on a Dispatch thread (never on Swift's cooperative pool), suspending the
    /// caller while it waits for a connection and while `body` runs.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T)
        async throws -> T
    {
        let connection = try await acquireAsync()
        return try await withCheckedThrowingContinuation { continuation in
            workQueue.async {
                do {
                    let value = try body(connection)
                    self.release(connection)
                    continuation.resume(returning: value)
                } catch {
                    self.release(connection)
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Closes idle connections and refuses new requests; connections in use close when returned.
    public func shutdown() {
        lock.lock()
        isShutDown = true
        let toClose = idle
        idle.removeAll()
        openCount -= toClose.count
        let pending = waiters
        waiters.removeAll()
        lock.unlock()
        for connection in toClose { connection.close() }
        for waiter in pending { waiter.resume(.failure(PostgresError(.pool, message: "the pool was shut down"))) }
    }

    // MARK: - Acquire and release

    func acquire() throws(PostgresError) -> PostgresConnection {
        let semaphore = DispatchSemaphore(value: 0)
        let box = GrantBox()
        var waiterID: Int? = nil
        switch try reserve(onWait: { id in
            waiterID = id
            return { grant in
                box.grant = grant
                semaphore.signal()
            }
        }) {
        case .some(let grant):
            return try fulfil(grant)
        case .none:
            if semaphore.wait(timeout: .now() + acquireTimeout) == .timedOut {
                if let waiterID, cancelWaiter(waiterID) { throw timeoutError() }
                semaphore.wait()  // granted at the same moment: take it
            }
            guard let grant = box.grant else { throw timeoutError() }
            return try fulfil(grant)
        }
    }

    func acquireAsync() async throws -> PostgresConnection {
        let grant: Grant = try await withCheckedThrowingContinuation { continuation in
            let once = ResumeOnce(continuation)
            do {
                let immediate = try reserve(onWait: { id in
                    self.workQueue.asyncAfter(deadline: .now() + self.acquireTimeout) {
                        if self.cancelWaiter(id) { once.resume(.failure(self.timeoutError())) }
                    }
                    return { grant in once.resume(.success(grant)) }
                })
                if let immediate { once.resume(.success(immediate)) }
            } catch let error as PostgresError {
                once.resume(.failure(error))
            } catch {
                once.resume(.failure(PostgresError(.pool, message: String(describing: error))))
            }
        }
        // Opening a connection blocks: do it off the cooperative pool.
        return try await withCheckedThrowingContinuation { continuation in
            workQueue.async {
                do { continuation.resume(returning: try self.fulfil(grant)) } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Takes an idle connection or an opening slot now, or registers a waiter (returns nil).
    private func reserve(onWait: (Int) -> (Grant) -> Void) throws(PostgresError) -> Grant? {
        lock.lock()
        defer { lock.unlock() }
        guard !isShutDown else { throw PostgresError(.pool, message: "the pool was shut down") }
        if let connection = idle.popLast() { return .connection(connection) }
        if openCount < maxConnections {
            openCount += 1
            return .open
        }
        nextWaiterID += 1
        let id = nextWaiterID
        waiters.append((id, onWait(id)))
        return nil
    }

    /// Turns a grant into a usable connection: checks an idle one, opens a new one for a slot.
    private func fulfil(_ grant: Grant) throws(PostgresError) -> PostgresConnection {
        var grant = grant
        while true {
            switch grant {
            case .failure(let error):
                throw error
            case .connection(let connection):
                if connection.isHealthy { return connection }
                connection.close()
                grant = .open  // its slot is ours: open a replacement
            case .open:
                do {
                    return try PostgresConnection.connect(conninfo)
                } catch {
                    giveBackSlot()
                    throw error
                }
            }
        }
    }

    /// Returns a connection to the pool, or closes it when it is broken.
    func release(_ connection: PostgresConnection) {
        if connection.isHealthy && connection.isInTransaction {
            try? connection.simpleExecute("ROLLBACK", name: "pool reset")
        }
        let reusable = connection.isHealthy && !connection.isInTransaction
        if !reusable { connection.close() }
        lock.lock()
        if isShutDown {
            openCount -= 1
            lock.unlock()
            if reusable { connection.close() }
            return
        }
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            lock.unlock()
            waiter.resume(reusable ? .connection(connection) : .open)
            return
        }
        if reusable { idle.append(connection) } else { openCount -= 1 }
        lock.unlock()
    }

    /// A slot reserved for opening a connection was not used (the connect failed): pass it on or free it.
    private func giveBackSlot() {
        lock.lock()
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            lock.unlock()
            waiter.resume(.open)
            return
        }
        openCount -= 1
        lock.unlock()
    }

    /// Removes a waiter that timed out; false when it was already granted.
    private func cancelWaiter(_ id: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return false }
        waiters.remove(at: index)
        return true
    }

    private func timeoutError() -> PostgresError {
        PostgresError(
            .pool,
            message: "no connection became free within \(acquireTimeout) s (pool of \(maxConnections))",
            hint: "raise the pool size or look for long-running work holding connections")
    }

    private final class GrantBox: @unchecked Sendable {
        var grant: Grant?
    }

    /// Resumes a continuation at most once (a timeout and a grant may race).
    private final class ResumeOnce: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Grant, any Error>?
        init(_ continuation: CheckedContinuation<Grant, any Error>) { self.continuation = continuation }
        func resume(_ result: Result<Grant, PostgresError>) {
            lock.lock()
            let pending = continuation
            continuation = nil
            lock.unlock()
            pending?.resume(with: result.mapError { $0 as any Error })
        }
    }
}
