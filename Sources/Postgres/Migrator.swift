import Foundation

/// One versioned schema change: a SQL file applied once, in order.
public struct Migration: Sendable, Equatable {
    /// Its order, from the file name's numeric prefix (`0003_reference_tables.sql` → 3).
    public let version: Int
    /// Its name, from the rest of the file name.
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNNN_name.sql` file of `folder`, ordered by version; duplicate versions are an error.
    public static func load(from folder: URL) throws(PostgresError) -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw PostgresError(.migration, message: "cannot list migrations in \(folder.path): \(error)")
        }
        var migrations: [Migration] = []
        for file in files where file.hasSuffix(".sql") {
            let stem = String(file.dropLast(4))
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]) else {
                throw PostgresError(
                    .migration, message: "migration file \(file) is not named NNNN_name.sql", statement: file)
            }
            guard let sql = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else {
                throw PostgresError(.migration, message: "migration file \(file) is not readable UTF-8", statement: file)
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw PostgresError(
                    .migration, message: "migrations \(clash.name) and \(parts[1]) share version \(version)",
                    statement: file)
            }
            migrations.append(Migration(version: version, name: String(parts[1]), sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

/// Applies migrations in order, each in its own transaction, and records each with a SHA-256 checksum.
///
/// An applied migration whose SQL has changed since is an error (write a new migration instead); so is a
/// recorded migration that no longer exists. Two processes migrating at once are serialised by an advisory lock.
public struct Migrator: Sendable {
    /// The table that records applied migrations, schema-qualified.
    public let table: String
    /// The schema that holds `table` (created when missing).
    public let schema: String

    public init(schema: String = "citypipe", table: String = "schema_migrations") {
        self.schema = schema
        self.table = "\(schema).\(table)"
    }

    /// What `migrate` did.
    public struct Report: Sendable, Equatable {
        public var applied: [Migration] = []
        public var alreadyApplied = 0
    }

    /// Applies the migrations not applied yet.
    public func migrate(_ connection: PostgresConnection, _ migrations: [Migration]) throws -> Report {
        let migrations = migrations.sorted { $0.version < $1.version }
        for (earlier, later) in zip(migrations, migrations.dropFirst()) where earlier.version == later.version {
            throw PostgresError(
                .migration, message: "migrations \(earlier.name) and \(later.name) share version \(later.version)")
        }
        try connection.simpleExecute(
            """
            CREATE SCHEMA IF NOT EXISTS \(schema);
            CREATE TABLE IF NOT EXISTS \(table) (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                duration_ms integer NOT NULL
            )
            """, name: "create \(table)")
        let lockName = "citypipe:migrate:\(table)"
        // Processes starting together (backfill workers, a run and the API) wait for the one migrating, then
        // find its migrations applied; a migration stuck for longer than `lockWaitSeconds` is an error.
        if let report = try connection.withTryAdvisoryLock(named: lockName, { connection in try migrateLocked(connection, migrations) }) {
            return report
        }
        do {
            try connection.query(
                "SELECT set_config('lock_timeout', $1, false), pg_advisory_lock(hashtextextended($2, 0))",
                ["\(lockWaitSeconds * 1000)", lockName], name: "wait for migration lock")
        } catch {
            _ = try? connection.query("SELECT set_config('lock_timeout', '0', false)", name: "reset lock timeout")
            throw PostgresError(
                .migration, message: "another process has been migrating this database for over \(lockWaitSeconds) s",
                hint: "see pg_stat_activity for the migrating session; run the command again once it is done")
        }
        defer { _ = try? connection.advisoryUnlock(named: lockName) }
        try connection.query("SELECT set_config('lock_timeout', '0', false)", name: "reset lock timeout")
        return try migrateLocked(connection, migrations)
    }

    /// How long a process waits for another one's migration before giving up.
    public var lockWaitSeconds = 600

    private func migrateLocked(_ connection: PostgresConnection, _ migrations: [Migration]) throws -> Report {
        var applied: [Int: (name: String, checksum: String)] = [:]
        for row in try connection.query("SELECT version, name, checksum FROM \(table)", name: "read \(table)") {
            applied[try row.decode(Int.self, "version")] = (
                try row.decode(String.self, "name"), try row.decode(String.self, "checksum")
            )
        }
        var report = Report()
        let known = Set(migrations.map(\.version))
        if let missing = applied.keys.sorted().first(where: { !known.contains($0) }), let entry = applied[missing] {
            throw PostgresError(
                .migration,
                message: "the database has migration \(missing) (\(entry.name)) applied, which this citypipe does not ship",
                hint: "use the citypipe version that made this database, or a newer one")
        }
        for migration in migrations {
            let checksum = try Migrator.checksum(migration.sql, connection)
            if let done = applied[migration.version] {
                guard done.checksum == checksum else {
                    throw PostgresError(
                        .migration,
                        message: "migration \(migration.version) (\(migration.name)) was changed after it was applied",
                        hint: "restore the file as it was and put the change in a new migration",
                        statement: "\(migration.version)_\(migration.name).sql")
                }
                report.alreadyApplied += 1
                continue
            }
            let started = Date()
            try connection.transaction { connection in
                try connection.simpleExecute(migration.sql, name: "\(migration.version)_\(migration.name).sql")
                let milliseconds = Int(Date().timeIntervalSince(started) * 1000)
                try connection.query(
                    "INSERT INTO \(table) (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)",
                    [migration.version, migration.name, checksum, milliseconds], name: "record migration")
            }
            report.applied.append(migration)
        }
        return report
    }

    /// SHA-256 of the SQL text, computed by the server (hex).
    static func checksum(_ sql: String, _ connection: PostgresConnection) throws(PostgresError) -> String {
        try connection.query(
            "SELECT encode(sha256(convert_to($1::text, 'UTF8')), 'hex') AS sum", [sql], name: "migration checksum")
            .first?.decode(String.self, "sum") ?? ""
    }
}
