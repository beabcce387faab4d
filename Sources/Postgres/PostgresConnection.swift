import CLibPQ
import Foundation

/// One connection to PostgreSQL through libpq.
///
/// Every libpq call on a connection is made under the connection's lock, so a connection may be handed between
/// threads (and is `Sendable`), but statements on one connection always run one at a time. Calls block the
/// calling thread: from async code, go through `ConnectionPool.withConnection`, which runs them on a Dispatch
/// queue rather than on Swift's cooperative pool.
///
/// Each session is set to `client_encoding=UTF8`, `DateStyle=ISO, YMD` and `TimeZone=UTC`, so that values
/// decode the same way whatever the server's defaults.
public final class PostgresConnection: @unchecked Sendable {
    let handle: OpaquePointer
    let lock = NSRecursiveLock()
    private var closed = false
    private var notices: [String] = []
    var savepointCounter = 0

    /// How many server notices a connection keeps before dropping the oldest.
    public static let noticeLimit = 100

    /// Opens a connection.
    ///
    /// - Parameter conninfo: a `postgresql://` URL or a `key=value` string; an empty string makes libpq use
    ///   its own `PG*` environment variables, service file and `.pgpass`, as every PostgreSQL tool does.
    public static func connect(_ conninfo: String = "") throws(PostgresError) -> PostgresConnection {
        guard let handle = PQconnectdb(conninfo) else {
            throw PostgresError(.connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = PostgresConnection.errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(
                .connection, message: message,
                hint: "check --database-url / DATABASE_URL / PG* variables, or run `citypipe db up`")
        }
        let connection = PostgresConnection(handle: handle)
        try connection.simpleExecute(
            "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'",
            name: "session setup")
        return connection
    }

    private init(handle: OpaquePointer) {
        self.handle = handle
        PQsetNoticeProcessor(handle, { context, message in
            guard let context, let message else { return }
            let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
            connection.recordNotice(String(cString: message))
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        if !closed { PQfinish(handle) }
    }

    /// Closes the connection; later calls fail with a connection error.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        PQfinish(handle)
    }

    /// True when the connection is open and libpq sees no trouble; reads whatever the server sent meanwhile
    /// (such as a termination notice) without blocking.
    public var isHealthy: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return false }
        // libpq's socket is non-blocking, so this never waits. Two reads: a terminated backend first sends its
        // FATAL message, and only the next read sees the end of the stream.
        return PQconsumeInput(handle) == 1 && PQconsumeInput(handle) == 1 && PQstatus(handle) == CONNECTION_OK
    }

    /// True inside a transaction block (also a failed one).
    public var isInTransaction: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The server's backend process id.
    public var backendPID: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return closed ? 0 : PQbackendPID(handle)
    }

    /// The server version as an integer, e.g. 150018.
    public var serverVersion: Int {
        lock.lock()
        defer { lock.unlock() }
        return closed ? 0 : Int(PQserverVersion(handle))
    }

    /// Notices the server sent since the last call (RAISE NOTICE, "relation already exists, skipping"…).
    public func drainNotices() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let drained = notices
        notices.removeAll()
        return drained
    }

    private func recordNotice(_ message: String) {
        // Called by libpq from inside a call that already holds the lock.
        if notices.count >= PostgresConnection.noticeLimit { notices.removeFirst() }
        notices.append(message.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs `body` with the open libpq handle under the lock.
    func withHandle<T>(statement: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else {
            throw PostgresError(.connection, message: "the connection is closed", statement: statement)
        }
        return try body(handle)
    }

    static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let message = PQerrorMessage(handle) else { return "unknown libpq error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A short name for a statement: the caller's name, else the SQL's first line, cut to 80 characters.
    static func statementName(_ sql: String, _ name: String?) -> String {
        if let name { return name }
        let firstLine = sql.split(whereSeparator: \.isNewline).first.map(String.init) ?? sql
        let trimmed = firstLine.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 80 ? String(trimmed.prefix(77)) + "..." : trimmed
    }
}
