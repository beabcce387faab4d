extension PostgresConnection {
    /// Tries to take the session-level advisory lock `key` without waiting.
    /// - Returns: true when this session now holds it, false when another session does.
    public func tryAdvisoryLock(_ key: Int64) throws(PostgresError) -> Bool {
        try query("SELECT pg_try_advisory_lock($1) AS locked", [key], name: "pg_try_advisory_lock")
            .first?.decode(Bool.self, "locked") ?? false
    }

    /// Tries to take the advisory lock named `name` (hashed server-side with `hashtextextended`).
    public func tryAdvisoryLock(named name: String) throws(PostgresError) -> Bool {
        try query(
            "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [name], name: "pg_try_advisory_lock")
            .first?.decode(Bool.self, "locked") ?? false
    }

    /// Tries to take the advisory lock named `name` in shared mode: any number of sessions may hold it shared at
    /// once, while nobody holds it exclusively (`tryAdvisoryLock(named:)`).
    public func tryAdvisoryLockShared(named name: String) throws(PostgresError) -> Bool {
        try query(
            "SELECT pg_try_advisory_lock_shared(hashtextextended($1, 0)) AS locked", [name],
            name: "pg_try_advisory_lock_shared")
            .first?.decode(Bool.self, "locked") ?? false
    }

    /// Releases a shared advisory lock taken with `tryAdvisoryLockShared(named:)`.
    @discardableResult
    public func advisoryUnlockShared(named name: String) throws(PostgresError) -> Bool {
        try query(
            "SELECT pg_advisory_unlock_shared(hashtextextended($1, 0)) AS released", [name],
            name: "pg_advisory_unlock_shared")
            .first?.decode(Bool.self, "released") ?? false
    }

    /// Releases a session-level advisory lock taken with `tryAdvisoryLock(_:)`.
    @discardableResult
    public func advisoryUnlock(_ key: Int64) throws(PostgresError) -> Bool {
        try query("SELECT pg_advisory_unlock($1) AS released", [key], name: "pg_advisory_unlock")
            .first?.decode(Bool.self, "released") ?? false
    }

    /// Releases the advisory lock named `name`.
    @discardableResult
    public func advisoryUnlock(named name: String) throws(PostgresError) -> Bool {
        try query(
            "SELECT pg_advisory_unlock(hashtextextended($1, 0)) AS released", [name], name: "pg_advisory_unlock")
            .first?.decode(Bool.self, "released") ?? false
    }

    /// Tries to take a transaction-level advisory lock, released by the enclosing transaction's end.
    public func tryAdvisoryTransactionLock(named name: String) throws(PostgresError) -> Bool {
        try query(
            "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked", [name],
            name: "pg_try_advisory_xact_lock")
            .first?.decode(Bool.self, "locked") ?? false
    }

    /// Runs `body` while holding the advisory lock `name`, or returns nil at once when another session holds it.
    /// The lock is released when `body` returns or throws.
    public func withTryAdvisoryLock<T>(named name: String, _ body: (PostgresConnection) throws -> T) throws -> T? {
        guard try tryAdvisoryLock(named: name) else { return nil }
        defer { _ = try? advisoryUnlock(named: name) }
        return try body(self)
    }
}
