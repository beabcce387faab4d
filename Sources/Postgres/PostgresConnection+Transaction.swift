extension PostgresConnection {
    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (the error is
    /// rethrown). Inside another transaction, `body` runs in a savepoint instead, so that an inner failure
    /// rolls back only the inner work.
    public func transaction<T>(
        isolation: IsolationLevel = .readCommitted, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if isInTransaction {
            savepointCounter += 1
            let savepoint = "citypipe_sp_\(savepointCounter)"
            try simpleExecute("SAVEPOINT \(savepoint)", name: "savepoint")
            do {
                let value = try body(self)
                try simpleExecute("RELEASE SAVEPOINT \(savepoint)", name: "release savepoint")
                return value
            } catch {
                try? simpleExecute("ROLLBACK TO SAVEPOINT \(savepoint)", name: "rollback to savepoint")
                throw error
            }
        }
        try simpleExecute("BEGIN ISOLATION LEVEL \(isolation.rawValue)", name: "begin")
        do {
            let value = try body(self)
            try simpleExecute("COMMIT", name: "commit")
            return value
        } catch {
            // A failed ROLLBACK means the connection is gone, and with it the transaction: nothing to undo.
            if isHealthy { try? simpleExecute("ROLLBACK", name: "rollback") }
            throw error
        }
    }
}

/// Transaction isolation levels.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}
