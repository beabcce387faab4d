import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private PostgreSQL cluster under `HOME/pg`, made with the system's `initdb` and run with `pg_ctl`, so that
/// CityPipe works with no database set-up at all.
///
/// - The server listens on a unix socket in its own folder (`HOME/pg/run`, mode 0700) and on a free loopback
///   port; local connections are trusted (only the owner can reach the socket), TCP ones need the generated
///   password kept in `HOME/pg/superuser.password`.
/// - Databases are UTF-8; text sorts bytewise by default (`LC_COLLATE` `C`, `LC_CTYPE` `C.UTF-8`), and ICU's
///   `vi-VN-x-icu` collation is there for what a reader sees sorted (the API's `order` on text). Almost every text
///   a pipeline sorts or indexes is a code or an identifier: under the `vi-VN` ICU default, sorting 600,000 of
///   them took 0.80 s against 0.55 s bytewise, and so did every index build and join on them (libc's `C.UTF-8`
///   took 1.15 s: it is not the fast path).
/// - As root (our machines and CI run as root), `initdb` and `pg_ctl` refuse to run; they run as the `postgres`
///   user that Debian's package creates, which owns `HOME/pg`.
/// - `up` twice is a no-op; `down` then `up` keeps the data.
public struct EmbeddedCluster: Sendable {
    /// The folder holding everything (`$CITYPIPE_HOME`, else `./.citypipe`).
    public let home: URL
    /// The database created in the cluster.
    public let database: String
    /// The cluster's superuser (also the owner of `database`).
    public let superuser: String

    public var root: URL { home.appendingPathComponent("pg") }
    public var dataDirectory: URL { root.appendingPathComponent("data") }
    public var socketDirectory: URL { root.appendingPathComponent("run") }
    public var logFile: URL { root.appendingPathComponent("server.log") }
    var settingsFile: URL { dataDirectory.appendingPathComponent("citypipe.conf") }
    var passwordFile: URL { root.appendingPathComponent("superuser.password") }
    var lockFile: URL { home.appendingPathComponent("pg.lock") }

    public init(home: URL, database: String = "citypipe", superuser: String = "citypipe") {
        self.home = home.standardizedFileURL
        self.database = database
        self.superuser = superuser
    }

    /// `$CITYPIPE_HOME`, else `.citypipe` in the current folder.
    public static func defaultHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["CITYPIPE_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true)
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            .appendingPathComponent(".citypipe", isDirectory: true)
    }

    /// What state the cluster is in.
    public enum State: Equatable, Sendable {
        case notCreated
        case stopped(port: Int)
        case running(port: Int)
    }

    /// What `up` did.
    public enum UpOutcome: String, Sendable {
        case created, started, alreadyRunning
    }

    /// The cluster's state now.
    public func state() throws(PostgresError) -> State {
        guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) else {
            return .notCreated
        }
        let port = try configuredPort() ?? 0
        let binaries = try PostgresBinaries.locate()
        let outcome = try ProcessRunner.run(
            binaries.pgCtl, ["status", "-D", dataDirectory.path], runAs: try serverUser())
        return outcome.status == 0 ? .running(port: port) : .stopped(port: port)
    }

    /// Creates the cluster when missing, starts it when stopped, and makes sure `database` exists with PostGIS.
    @discardableResult
    public func up() throws(PostgresError) -> UpOutcome {
        try withFileLock { () throws(PostgresError) -> UpOutcome in
            let binaries = try PostgresBinaries.locate()
            var outcome = UpOutcome.started
            switch try state() {
            case .running:
                // Cheap, and repairs a cluster whose first `up` was interrupted before the database existed (a
                // standby's catalogue is its primary's, read-only).
                if !isStandby { try prepareDatabase() }
                return .alreadyRunning
            case .notCreated:
                try create(binaries)
                outcome = .created
            case .stopped:
                break
            }
            try start(binaries)
            if !isStandby { try prepareDatabase() }
            return outcome
        }
    }

    /// Stops the cluster (fast shutdown); the data stays. Returns false when it was not running.
    @discardableResult
    public func down() throws(PostgresError) -> Bool {
        try withFileLock { () throws(PostgresError) -> Bool in
            guard case .running = try state() else { return false }
            let binaries = try PostgresBinaries.locate()
            let outcome = try ProcessRunner.run(
                binaries.pgCtl, ["stop", "-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60"],
                runAs: try serverUser())
            guard outcome.status == 0 else {
                throw PostgresError(.cluster, message: "pg_ctl stop failed: \(outcome.output.suffix(2000))")
            }
            return true
        }
    }

    /// A libpq URL for the unix socket (no password needed).
    public func socketURL(database: String? = nil) throws(PostgresError) -> String {
        guard let port = try configuredPort() else {
            throw PostgresError(.cluster, message: "the embedded cluster under \(root.path) does not exist yet",
                hint: "run `citypipe db up`")
        }
        let host = socketDirectory.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketDirectory.path
        return "postgresql://\(superuser)@/\(database ?? self.database)?host=\(host)&port=\(port)"
    }

    /// A libpq URL over TCP on loopback, with the generated password (for tools that cannot use a socket).
    public func tcpURL(database: String? = nil) throws(PostgresError) -> String {
        guard let port = try configuredPort() else {
            throw PostgresError(.cluster, message: "the embedded cluster under \(root.path) does not exist yet",
                hint: "run `citypipe db up`")
        }
        let password = (try? String(contentsOf: passwordFile, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return "postgresql://\(superuser):\(password)@127.0.0.1:\(port)/\(database ?? self.database)"
    }

    // MARK: - Creating and starting

    private func create(_ binaries: PostgresBinaries) throws(PostgresError) {
        let user = try serverUser()
        try makeFolder(root, owner: user)
        try checkTraversable(root, by: user)
        let password = (0..<24).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        let pwfile = root.appendingPathComponent("initdb.pw")
        do {
            try password.write(to: pwfile, atomically: true, encoding: .utf8)
            try (password + "\n").write(to: passwordFile, atomically: true, encoding: .utf8)
            chmod(passwordFile.path, 0o600)
        } catch {
            throw PostgresError(.cluster, message: "cannot write in \(root.path): \(error)")
        }
        try chownIfNeeded(pwfile, to: user)
        defer { try? FileManager.default.removeItem(at: pwfile) }
        let outcome = try ProcessRunner.run(
            binaries.initdb,
            [
                "-D", dataDirectory.path, "-U", superuser, "-E", "UTF8", "--locale=C.UTF-8", "--lc-collate=C",
                "--locale-provider=libc", "--auth-local=trust",
                "--auth-host=scram-sha-256", "--pwfile=\(pwfile.path)", "--no-instructions",
            ],
            runAs: user)
        guard outcome.status == 0 else {
            throw PostgresError(
                .cluster, message: "initdb failed (exit \(outcome.status)): \(outcome.output.suffix(2000))")
        }
        let conf = dataDirectory.appendingPathComponent("postgresql.conf")
        do {
            let handle = try FileHandle(forWritingTo: conf)
            handle.seekToEndOfFile()
            handle.write(Data("\n# CityPipe's settings (port, socket) live here.\ninclude_if_exists = 'citypipe.conf'\n".utf8))
            try handle.close()
        } catch {
            throw PostgresError(.cluster, message: "cannot extend \(conf.path): \(error)")
        }
    }

    private func start(_ binaries: PostgresBinaries) throws(PostgresError) {
        let user = try serverUser()
        try makeFolder(socketDirectory, owner: user)
        chmod(socketDirectory.path, 0o700)
        var port = try configuredPort()
        if port == nil || !PortFinder.isFree(port ?? 0) { port = try PortFinder.freeLoopbackPort() }
        let chosen = port ?? 0
        let socketPath = socketDirectory.appendingPathComponent(".s.PGSQL.\(chosen)").path
        guard socketPath.utf8.count < 104 else {
            throw PostgresError(
                .cluster, message: "the socket path \(socketPath) is too long for a unix socket",
                hint: "set CITYPIPE_HOME to a shorter folder")
        }
        let settings = """
            # Written by citypipe; rewritten when the port has to change.
            port = \(chosen)
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '\(socketDirectory.path.replacingOccurrences(of: "'", with: "''"))'
            unix_socket_permissions = 0700
            max_connections = 100
            shared_buffers = 256MB
            fsync = on
            # A night's models insert into large indexes at random places (a new month: 300,000 keys at scale 1).
            # With the default max_wal_size (1 GB) a checkpoint came every 3 to 17 s, and after each one the
            # next change of every page writes the whole page to the WAL again. 8 GB leaves a night between two
            # timed checkpoints; lz4 compresses those page images.
            max_wal_size = 8GB
            wal_compression = lz4
            # A pipeline runs a few large statements at a time, not many small ones. With the default 4 MB every
            # sort of more than about 100,000 keys went to temporary files (data_quality's counts sorted 2.3 M rows
            # through 70 MB of them before they were hashed), and with the default 64 MB every index build of a
            # first load over a million rows sorted on disk.
            work_mem = 64MB
            maintenance_work_mem = 1GB
            log_min_messages = warning
            # Personal data stays out of the server log: no DETAIL ("Failing row contains (…)", "Key (…)=(…)"),
            # no CONTEXT ("COPY t, line N, column c: …"); the failing statement is logged, and CityPipe's
            # statements carry their values as parameters, never in their text.
            log_error_verbosity = terse

            """
        do {
            try settings.write(to: settingsFile, atomically: true, encoding: .utf8)
        } catch {
            throw PostgresError(.cluster, message: "cannot write \(settingsFile.path): \(error)")
        }
        try chownIfNeeded(settingsFile, to: user)
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
            try chownIfNeeded(logFile, to: user)
        }
        let outcome = try ProcessRunner.run(
            binaries.pgCtl, ["start", "-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "120"], runAs: user)
        guard outcome.status == 0 else {
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            throw PostgresError(
                .cluster,
                message: "pg_ctl start failed (exit \(outcome.status)): \(outcome.output.suffix(1000)) \(log.suffix(1500))")
        }
    }

    /// Creates `database` when missing and enables PostGIS in it.
    private func prepareDatabase() throws(PostgresError) {
        let admin = try PostgresConnection.connect(try socketURL(database: "postgres"))
        defer { admin.close() }
        let exists = try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database], name: "find database")
        if exists.isEmpty {
            let quoted = "\"" + database.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            try admin.simpleExecute("CREATE DATABASE \(quoted) TEMPLATE template0", name: "create database")
        }
        let connection = try PostgresConnection.connect(try socketURL())
        defer { connection.close() }
        do {
            try connection.simpleExecute("CREATE EXTENSION IF NOT EXISTS postgis", name: "create extension postgis")
        } catch {
            throw PostgresError(
                .cluster, message: "PostGIS is not available to the embedded cluster: \(error.message)",
                hint: "install it with: apt-get install postgresql-15-postgis-3 (the package matching the server version)")
        }
    }

    // MARK: - Files, users, ports

    func configuredPort() throws(PostgresError) -> Int? {
        guard let text = try? String(contentsOf: settingsFile, encoding: .utf8) else {
            return FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path)
                ? 0 : nil
        }
        for line in text.split(separator: "\n") where line.hasPrefix("port = ") {
            return Int(line.dropFirst("port = ".count))
        }
        return 0
    }

    /// The user that runs the server: `postgres` when we are root, else nobody else (nil).
    func serverUser() throws(PostgresError) -> String? {
        guard geteuid() == 0 else { return nil }
        guard getpwnam("postgres") != nil else {
            throw PostgresError(
                .cluster, message: "running as root, and there is no postgres user to run the server as",
                hint: "install postgresql-15 (it creates the user), or run citypipe as an ordinary user")
        }
        return "postgres"
    }

    /// The folder a standby's base backup goes into (`pg_basebackup` makes the data folder itself).
    func makeStandbyRoot(owner: String?) throws(PostgresError) {
        try makeFolder(root, owner: owner)
        try checkTraversable(root, by: owner)
    }

    private func makeFolder(_ folder: URL, owner: String?) throws(PostgresError) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw PostgresError(.cluster, message: "cannot create \(folder.path): \(error)")
        }
        try chownIfNeeded(folder, to: owner)
    }

    private func chownIfNeeded(_ url: URL, to user: String?) throws(PostgresError) {
        guard let user, let entry = getpwnam(user) else { return }
        guard chown(url.path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
            throw PostgresError(.cluster, message: "cannot give \(url.path) to \(user): errno \(errno)")
        }
    }

    /// The server user must be able to pass through every folder above its data.
    private func checkTraversable(_ folder: URL, by user: String?) throws(PostgresError) {
        guard let user, let entry = getpwnam(user) else { return }
        let uid = entry.pointee.pw_uid
        var current = folder.deletingLastPathComponent()
        while current.path != "/" && !current.path.isEmpty {
            var info = stat()
            if stat(current.path, &info) == 0 {
                let mode = info.st_mode
                let passable = (mode & 0o001) != 0 || (info.st_uid == uid && (mode & 0o100) != 0)
                guard passable else {
                    throw PostgresError(
                        .cluster,
                        message: "the \(user) user that runs the embedded server cannot enter \(current.path)",
                        hint: "set CITYPIPE_HOME to a folder it can reach (for example /var/tmp/citypipe), or chmod o+x \(current.path)")
                }
            }
            current = current.deletingLastPathComponent()
        }
    }

    /// Serialises `up`/`down` between processes.
    private func withFileLock<T>(_ body: () throws(PostgresError) -> T) throws(PostgresError) -> T {
        do {
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        } catch {
            throw PostgresError(.cluster, message: "cannot create \(home.path): \(error)")
        }
        let fd = open(lockFile.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PostgresError(.cluster, message: "cannot open \(lockFile.path): errno \(errno)") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else {
            throw PostgresError(.cluster, message: "cannot lock \(lockFile.path): errno \(errno)")
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
